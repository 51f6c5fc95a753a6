/* Tests for src/io/{image,preprocess,heatmap,png}.c: decoding every format,
 * preprocessing against torchvision's tensors, heat quantization, colormaps
 * and PNG output. Fixtures: tests/images/ (made by gen_images.py).
 * Usage: test_image [scratch-dir]   (default ".") */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>

#include "io/heatmap.h"
#include "io/image.h"
#include "io/npy.h"
#include "io/png.h"
#include "io/preprocess.h"
#include "util/error.h"
#include "util/name_list.h"

#include "check.h"

static const char *scratch = ".";
static char images[1000]; /* the fixture directory */

/* name inside the scratch directory, in the caller's buf[1024] */
static const char *scratch_path(char *buf, const char *name)
{
    snprintf(buf, 1024, "%s/%s", scratch, name);
    return buf;
}

/* name inside tests/images, in the caller's buf[1024] */
static const char *fixture(char *buf, const char *name)
{
    snprintf(buf, 1024, "%s/%s", images, name);
    return buf;
}

static int exists(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f)
        fclose(f);
    return f != NULL;
}

/* tests/images beside this file. meson compiles it as "../tests/test_image.c"
 * from the build root, and the scratch directory is <build root>/tests; the
 * path is tried as is (absolute, or run from the build root) and from there. */
static int find_images(void)
{
    char dir[512], probe[1024];
    snprintf(dir, sizeof dir, "%s", __FILE__);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    snprintf(images, sizeof images, "%s/images", dir);
    if (exists(fixture(probe, "rgb.png")))
        return 1;
    snprintf(images, sizeof images, "%s/../%s/images", scratch, dir);
    return exists(fixture(probe, "rgb.png"));
}

static lrp_image load_ok(const char *name)
{
    char path[1024];
    lrp_image img;
    lrp_error err = {LRP_OK, ""};
    lrp_status st = lrp_image_load(fixture(path, name), &img, &err);
    if (st)
        fprintf(stderr, "%s\n", err.message);
    EXPECT(st == LRP_OK);
    return img;
}

/* ----------------------------------------------- preprocess vs torchvision */

/* Bounds in normalized units ((v/255 - mean)/std); one 8-bit step is
 * 1/255/std, at most 1/255/0.224 = 0.0175.
 * PNG (and the 16-bit PNG rounded to 8 bits): the resample is PIL's own
 * fixed-point algorithm and the normalization torchvision's float32
 * operations in the same order, so the tensors are identical: measured max
 * and mean 0 on every case (Pillow 9.4, torchvision 0.14). The bound only
 * leaves room for float rounding.
 * JPEG: stb_image's IDCT and chroma upsampling differ from libjpeg-turbo's
 * (PIL's): on photo.jpg the decoded pixels differ by up to 3 steps (mean
 * 0.11 step). Resampling mixes pixels with non-negative weights summing to 1
 * (plus one rounding per pass), so it cannot widen that; measured after
 * Resize(64) + CenterCrop(56): max 0.0175 (1 step), mean 0.0019. Bounds:
 * 4 steps (the decoder's 3 plus rounding) and a quarter step on average. */
#define PNG_MAX 1e-6
#define PNG_MEAN 1e-7
#define JPEG_MAX (4 / 255.0 / 0.224)
#define JPEG_MEAN (0.25 / 255.0 / 0.224)

static const struct {
    const char *image, *reference;
    int resize, crop;
    double max_tol, mean_tol;
} cases[] = {
    {"rgb.png", "rgb.torchvision.npy", 256, 224, PNG_MAX, PNG_MEAN},
    {"gray.png", "gray.torchvision.npy", 64, 56, PNG_MAX, PNG_MEAN},
    {"rgba.png", "rgba.torchvision.npy", 64, 56, PNG_MAX, PNG_MEAN},
    {"tiny.png", "tiny.torchvision.npy", 32, 27, PNG_MAX, PNG_MEAN},
    {"gray16.png", "gray16.torchvision.npy", 64, 56, PNG_MAX, PNG_MEAN},
    {"photo.jpg", "photo.torchvision.npy", 64, 56, JPEG_MAX, JPEG_MEAN},
};

static void compare_case(int i)
{
    char path[1024];
    lrp_npy ref;
    lrp_preprocess p;
    lrp_error err = {LRP_OK, ""};
    lrp_image img = load_ok(cases[i].image), display;
    EXPECT(lrp_npy_read(fixture(path, cases[i].reference), &ref, &err) == LRP_OK);
    lrp_preprocess_defaults(&p);
    p.resize = cases[i].resize;
    p.crop_h = p.crop_w = cases[i].crop;
    size_t n = 3 * (size_t)p.crop_h * (size_t)p.crop_w;
    EXPECT(ref.count == n && ref.rank == 3);
    float *chw = malloc(n * sizeof *chw);
    if (!img.data || ref.count != n || !chw ||
        lrp_preprocess_run(&img, &p, chw, &display, &err) != LRP_OK) {
        fprintf(stderr, "%s: %s\n", cases[i].image, err.message);
        failures++;
    } else {
        const float *r = ref.data;
        double max = 0, sum = 0;
        for (size_t k = 0; k < n; k++) {
            double d = fabs((double)chw[k] - r[k]);
            max = d > max ? d : max;
            sum += d;
        }
        printf("preprocess %-10s resize %3d crop %3d: max |diff| %.3g, mean %.3g "
               "(normalized units)\n",
               cases[i].image, p.resize, p.crop_h, max, sum / n);
        EXPECT(max <= cases[i].max_tol);
        EXPECT(sum / n <= cases[i].mean_tol);
        EXPECT(display.width == p.crop_w && display.height == p.crop_h &&
               display.channels == 3);
        /* display is the image before normalization: red at (0,0) */
        EXPECT(fabsf(display.data[0] - (chw[0] * p.std[0] + p.mean[0])) < 1e-5f);
        lrp_image_free(&display);
    }
    free(chw);
    lrp_npy_free(&ref);
    lrp_image_free(&img);
}

/* No resize, no crop: the pixels themselves, normalized. */
static void test_identity(void)
{
    lrp_image img = load_ok("palette.png");
    lrp_preprocess p;
    int h, w;
    lrp_preprocess_defaults(&p);
    p.resize = p.crop_h = p.crop_w = 0;
    EXPECT(lrp_preprocess_size(&p, 23, 19, &h, &w, NULL) == LRP_OK && h == 19 && w == 23);
    float *chw = malloc(3 * 19 * 23 * sizeof *chw);
    EXPECT(chw && img.data && lrp_preprocess_run(&img, &p, chw, NULL, NULL) == LRP_OK);
    for (int k = 0; chw && img.data && k < 3; k++)
        for (int i = 0; i < 19 * 23; i++)
            EXPECT(fabsf(chw[k * 19 * 23 + i] * p.std[k] + p.mean[k] - img.data[i * 3 + k]) <
                   1e-6f);
    /* resize only: the shorter side of 23x19 to 38, the longer int(38*23/19) = 46 */
    p.resize = 38;
    EXPECT(lrp_preprocess_size(&p, 23, 19, &h, &w, NULL) == LRP_OK && h == 38 && w == 46);
    free(chw);
    lrp_image_free(&img);
}

static void test_too_small(void)
{
    char path[1024];
    lrp_image img = load_ok("tiny.png");
    lrp_preprocess p;
    lrp_error err = {LRP_OK, ""};
    float dummy[1];
    lrp_preprocess_defaults(&p);
    p.resize = 0; /* 23x19 against 224x224 */
    EXPECT(lrp_preprocess_run(&img, &p, dummy, NULL, &err) == LRP_ERR_SHAPE);
    EXPECT(strstr(err.message, "image smaller than the crop") != NULL);
    /* the caller names the file, as the CLI does */
    lrp_error_prefix(&err, "%s", fixture(path, "tiny.png"));
    EXPECT(strstr(err.message, "tiny.png: image smaller than the crop") != NULL);
    p.resize = 20; /* 24x20: still narrower than 22 high */
    p.crop_h = 22;
    p.crop_w = 10;
    EXPECT(lrp_preprocess_run(&img, &p, dummy, NULL, &err) == LRP_ERR_SHAPE);
    p.channels = 2;
    EXPECT(lrp_preprocess_run(&img, &p, dummy, NULL, &err) == LRP_ERR_ARG);
    lrp_image_free(&img);
}

/* ---------------------------------------------------------------- decoding */

/* Each lossless format holds palette.png's pixels. */
static void test_formats(void)
{
    static const char *names[] = {"palette.bmp", "palette.gif", "palette.tga", "palette.ppm"};
    lrp_image png = load_ok("palette.png"), rgb;
    EXPECT(png.width == 23 && png.height == 19 && png.channels == 3);
    for (size_t f = 0; f < sizeof names / sizeof names[0]; f++) {
        lrp_image img = load_ok(names[f]);
        EXPECT(img.width == 23 && img.height == 19);
        EXPECT(lrp_image_to_rgb(&img, 3, &rgb, NULL) == LRP_OK);
        int same = rgb.data && png.data &&
                   memcmp(rgb.data, png.data, 23 * 19 * 3 * sizeof(float)) == 0;
        if (!same)
            fprintf(stderr, "%s differs from palette.png\n", names[f]);
        EXPECT(same);
        lrp_image_free(&rgb);
        lrp_image_free(&img);
    }
    lrp_image pgm = load_ok("palette.pgm");
    EXPECT(pgm.channels == 1);
    for (int i = 0; pgm.data && png.data && i < 23 * 19; i++)
        EXPECT(pgm.data[i] == png.data[3 * i + 1]);
    lrp_image_free(&pgm);
    lrp_image_free(&png);
}

/* 16-bit samples keep their precision: v16 = v8 * 257 + d, d != 0 mostly. */
static void test_deep(void)
{
    lrp_image img = load_ok("gray16.png");
    int off_grid = 0;
    EXPECT(img.width == 130 && img.height == 97 && img.channels == 1);
    for (int i = 0; img.data && i < 130 * 97; i++) {
        long v = lroundf(img.data[i] * 65535.0f);
        off_grid += v % 257 != 0;
    }
    EXPECT(off_grid > 130 * 97 / 2);
    lrp_image_free(&img);
}

static void expect_error(const char *name, lrp_status want)
{
    char path[1024];
    lrp_image img;
    lrp_error err = {LRP_OK, ""};
    lrp_status st = lrp_image_load(fixture(path, name), &img, &err);
    EXPECT(st != LRP_OK);
    if (want != LRP_OK)
        EXPECT(st == want);
    EXPECT(strstr(err.message, name) != NULL);
    EXPECT(img.data == NULL && img.width == 0);
    printf("%-16s -> %s: %s\n", name, lrp_status_str(st), strstr(err.message, name));
}

/* A PNG signature and IHDR chunk for a w x h 8-bit gray image, no pixels. */
static size_t png_header(unsigned char *b, unsigned w, unsigned h)
{
    static const unsigned char head[16] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
                                           0,    0,   0,   13,  'I',  'H',  'D',  'R'};
    memcpy(b, head, 16);
    for (int k = 0; k < 4; k++) {
        b[16 + k] = (unsigned char)(w >> (24 - 8 * k));
        b[20 + k] = (unsigned char)(h >> (24 - 8 * k));
    }
    memcpy(b + 24, "\x08\x00\x00\x00\x00", 5);
    memset(b + 29, 0, 4); /* CRC: stb_image does not check it */
    return 33;
}

static void test_bad_inputs(void)
{
    unsigned char buf[64];
    lrp_image img;
    lrp_error err = {LRP_OK, ""};
    expect_error("corrupt.png", LRP_ERR_PARSE);
    expect_error("empty.png", LRP_ERR_PARSE);
    expect_error("not-an-image.png", LRP_ERR_PARSE);
    expect_error("missing.png", LRP_ERR_IO);
    /* refused from the header, before any pixel is decoded */
    size_t n = png_header(buf, 20000, 20000);
    EXPECT(lrp_image_load_mem(buf, n, "huge.png", &img, &err) == LRP_ERR_LIMIT);
    EXPECT(strstr(err.message, "huge.png") != NULL);
    n = png_header(buf, 17000, 10);
    EXPECT(lrp_image_load_mem(buf, n, "wide.png", &img, &err) == LRP_ERR_LIMIT);
    n = png_header(buf, 16, 16);
    EXPECT(lrp_image_load_mem(buf, n, "headless.png", &img, &err) == LRP_ERR_PARSE);
    EXPECT(strstr(err.message, "headless.png") != NULL);
}

static void test_to_rgb(void)
{
    float gray_alpha[] = {0.25f, 1.0f, 0.5f, 0.0f};
    float rgba[] = {1.0f, 0.0f, 0.0f, 0.3f, 0.2f, 0.4f, 0.6f, 1.0f};
    lrp_image ga = {2, 1, 2, gray_alpha}, c4 = {2, 1, 4, rgba}, out;
    EXPECT(lrp_image_to_rgb(&ga, 3, &out, NULL) == LRP_OK);
    EXPECT(out.channels == 3 && out.data[0] == 0.25f && out.data[2] == 0.25f &&
           out.data[3] == 0.5f && out.data[5] == 0.5f);
    lrp_image_free(&out);
    EXPECT(lrp_image_to_rgb(&c4, 3, &out, NULL) == LRP_OK); /* alpha dropped */
    EXPECT(out.data[0] == 1.0f && out.data[1] == 0.0f && out.data[3] == 0.2f &&
           out.data[5] == 0.6f);
    lrp_image_free(&out);
    EXPECT(lrp_image_to_rgb(&c4, 1, &out, NULL) == LRP_OK);
    EXPECT(out.channels == 1 && fabsf(out.data[0] - 0.299f) < 1e-6f);
    EXPECT(fabsf(out.data[1] - (0.2f * 0.299f + 0.4f * 0.587f + 0.6f * 0.114f)) < 1e-6f);
    lrp_image_free(&out);
    EXPECT(lrp_image_to_rgb(&c4, 2, &out, NULL) == LRP_ERR_ARG && out.data == NULL);
}

/* ----------------------------------------------------------------- heatmap */

static int all_equal(const float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

static void test_quantize(void)
{
    float a[] = {0, 0.1f, 0.5f, 0.99f, 1}, qa[] = {0, 0, 0.5f, 0.5f, 1};
    lrp_heat_quantize(a, 5, 3);
    EXPECT(all_equal(a, qa, 5));
    float c[] = {0.7f, 0.7f, 0.7f}, qc[] = {0.7f, 0.7f, 0.7f};
    lrp_heat_quantize(c, 3, 8);
    EXPECT(all_equal(c, qc, 3));
    /* m = -2, M = 2, L = 5: edges -2, -1, 0, 1 */
    float d[] = {-2, -1.5f, -1, -0.01f, 0, 0.5f, 1, 1.99f, 2};
    float qd[] = {-2, -2, -1, -1, 0, 0, 1, 1, 2};
    lrp_heat_quantize(d, 9, 5);
    EXPECT(all_equal(d, qd, 9));
    /* L = 2: everything below M becomes m */
    float e[] = {-1, 3, 2.9f}, qe[] = {-1, 3, -1};
    lrp_heat_quantize(e, 3, 2);
    EXPECT(all_equal(e, qe, 3));
    /* a value exactly on an edge m + i (M - m)/(L - 1) stays there */
    float f[] = {0, 0.25f, 0.5f, 0.75f}, qf[] = {0, 0.25f, 0.5f, 0.75f};
    lrp_heat_quantize(f, 4, 4);
    EXPECT(all_equal(f, qf, 4));
}

static void test_channel_sum(void)
{
    float chw[] = {1, 2, 3, 4, 10, 20, 30, 40, -1, -1, -1, -1}, hw[4];
    lrp_channel_sum(chw, 3, 2, 2, hw);
    EXPECT(hw[0] == 10 && hw[1] == 21 && hw[2] == 32 && hw[3] == 43);
}

static int rgb_is(const uint8_t *p, int r, int g, int b)
{
    return p[0] == r && p[1] == g && p[2] == b;
}

static void test_colors(void)
{
    float map[] = {-1, 0, 1, 0.5f, -4, 4}, zeros[4] = {0};
    uint8_t rgb[18];
    lrp_heatmap_rgb(map, 1, 3, LRP_CMAP_BWR, false, rgb);
    EXPECT(rgb_is(rgb, 0, 0, 255) && rgb_is(rgb + 3, 255, 255, 255) &&
           rgb_is(rgb + 6, 255, 0, 0));
    lrp_heatmap_rgb(map, 2, 3, LRP_CMAP_BWR, false, rgb); /* max|R| = 4 */
    EXPECT(rgb_is(rgb, 191, 191, 255) && rgb_is(rgb + 6, 255, 191, 191));
    EXPECT(rgb_is(rgb + 12, 0, 0, 255) && rgb_is(rgb + 15, 255, 0, 0));
    lrp_heatmap_rgb(map, 1, 3, LRP_CMAP_BWR, true, rgb); /* -1 drawn as 0 */
    EXPECT(rgb_is(rgb, 255, 255, 255) && rgb_is(rgb + 6, 255, 0, 0));
    lrp_heatmap_rgb(zeros, 2, 2, LRP_CMAP_BWR, false, rgb);
    for (int i = 0; i < 4; i++)
        EXPECT(rgb_is(rgb + 3 * i, 255, 255, 255));
    lrp_heatmap_rgb(map, 1, 3, LRP_CMAP_COLDNHOT, false, rgb);
    EXPECT(rgb_is(rgb, 0, 255, 255) && rgb_is(rgb + 3, 0, 0, 0) &&
           rgb_is(rgb + 6, 255, 255, 255));
    lrp_heatmap_rgb(map, 1, 3, LRP_CMAP_SEISMIC, false, rgb);
    EXPECT(rgb_is(rgb, 0, 0, 77) && rgb_is(rgb + 3, 255, 255, 255) &&
           rgb_is(rgb + 6, 128, 0, 0));
    lrp_heatmap_rgb(map, 1, 3, LRP_CMAP_JET, false, rgb);
    EXPECT(rgb_is(rgb, 0, 0, 128) && rgb_is(rgb + 6, 128, 0, 0));
    EXPECT(rgb[3] > 100 && rgb[4] == 255 && rgb[5] > 100); /* jet(0.5): green-ish */
    lrp_heatmap_rgb(map, 1, 3, LRP_CMAP_GRAY, false, rgb);
    EXPECT(rgb_is(rgb, 0, 0, 0) && rgb_is(rgb + 3, 128, 128, 128) &&
           rgb_is(rgb + 6, 255, 255, 255));
    EXPECT(lrp_colormap_from_name("bwr") == LRP_CMAP_BWR);
    EXPECT(lrp_colormap_from_name("coldnhot") == LRP_CMAP_COLDNHOT);
    EXPECT(lrp_colormap_from_name("jet") == LRP_CMAP_JET);
    EXPECT(lrp_colormap_from_name("viridis") == -1 && lrp_colormap_from_name(NULL) == -1);
    /* the usage list is the table's: every name round-trips, in order */
    char list[128], cut[8];
    for (int i = 0; i < LRP_CMAP_COUNT; i++)
        EXPECT(lrp_colormap_from_name(lrp_colormap_name(i)) == i);
    EXPECT(lrp_colormap_name(LRP_CMAP_COUNT) == NULL && lrp_colormap_name(-1) == NULL);
    lrp_name_list(list, sizeof list, lrp_colormap_name);
    CHECK(strcmp(list, "bwr, coldnhot, seismic, jet, gray") == 0, "colormap list '%s'", list);
    lrp_name_list(cut, sizeof cut, lrp_colormap_name);
    CHECK(strcmp(cut, "bwr, co") == 0, "colormap list cut to 8 bytes: '%s'", cut);
}

static void test_overlay(void)
{
    uint8_t heat[6] = {255, 0, 0, 0, 0, 255}, out[6];
    float image[6] = {0, 0, 0, 1, 1, 1};
    lrp_overlay_rgb(heat, NULL, image, 1, 2, 0.5f, out);
    EXPECT(rgb_is(out, 128, 0, 0) && rgb_is(out + 3, 128, 128, 255));
    lrp_overlay_rgb(heat, NULL, image, 1, 2, 0.0f, out);
    EXPECT(rgb_is(out, 0, 0, 0) && rgb_is(out + 3, 255, 255, 255));
    lrp_overlay_rgb(heat, NULL, image, 1, 2, 1.0f, out);
    EXPECT(memcmp(out, heat, 6) == 0);
    /* per-pixel strength: 0 shows the image, 1 the full alpha blend */
    float map[2] = {-2.0f, 1.0f}, strength[2];
    lrp_heat_strength(map, 2, false, strength);
    EXPECT(strength[0] == 1.0f && strength[1] == 0.5f);
    lrp_heat_strength(map, 2, true, strength);
    EXPECT(strength[0] == 0.0f && strength[1] == 1.0f);
    lrp_overlay_rgb(heat, strength, image, 1, 2, 1.0f, out);
    EXPECT(rgb_is(out, 0, 0, 0) && rgb_is(out + 3, 0, 0, 255));
}

/* --------------------------------------------------------------------- png */

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    unsigned char *b = malloc(1 << 20);
    *n = 0;
    if (f && b)
        *n = fread(b, 1, 1 << 20, f);
    if (f)
        fclose(f);
    return b;
}

/* No "<name>.tmp-" file is left in the scratch directory. */
static int no_temp_left(const char *name)
{
    char prefix[256];
    int left = 0;
    snprintf(prefix, sizeof prefix, "%s.tmp-", name);
    DIR *d = opendir(scratch);
    for (struct dirent *e; d && (e = readdir(d));)
        left += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    if (d)
        closedir(d);
    return d && !left;
}

static void round_trip(int channels)
{
    enum { W = 37, H = 23 };
    char path[1024], name[64];
    uint8_t px[W * H * 4];
    lrp_image img;
    lrp_error err = {LRP_OK, ""};
    for (int i = 0; i < W * H * channels; i++)
        px[i] = (uint8_t)(i * 7 + i / 13);
    snprintf(name, sizeof name, "test-image-%d.png", channels);
    scratch_path(path, name);
    EXPECT(lrp_png_write(path, px, W, H, channels, &err) == LRP_OK);
    EXPECT(lrp_image_load(path, &img, &err) == LRP_OK);
    EXPECT(img.width == W && img.height == H && img.channels == channels);
    for (int i = 0; img.data && i < W * H * channels; i++)
        EXPECT(lroundf(img.data[i] * 255.0f) == px[i]);
    lrp_image_free(&img);
    /* the same pixels, the same bytes */
    size_t n1, n2;
    unsigned char *a = slurp(path, &n1);
    EXPECT(lrp_png_write(path, px, W, H, channels, &err) == LRP_OK);
    unsigned char *b = slurp(path, &n2);
    EXPECT(n1 > 0 && n1 == n2 && memcmp(a, b, n1) == 0);
    EXPECT(no_temp_left(name));
    free(a);
    free(b);
    remove(path);
}

static void test_png(void)
{
    char path[1024];
    uint8_t px[12] = {0};
    lrp_error err = {LRP_OK, ""};
    for (int c = 1; c <= 4; c++)
        round_trip(c);
    scratch_path(path, "no-such-dir/out.png");
    EXPECT(lrp_png_write(path, px, 2, 2, 3, &err) == LRP_ERR_IO);
    EXPECT(strstr(err.message, path) != NULL);
    printf("png into a missing directory -> %s\n", err.message);
    EXPECT(lrp_png_write(scratch_path(path, "bad.png"), px, 0, 2, 3, &err) == LRP_ERR_ARG);
    EXPECT(lrp_png_write(path, px, 2, 2, 5, &err) == LRP_ERR_ARG);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        scratch = argv[1];
    if (!find_images()) {
        fprintf(stderr, "test_image: cannot find tests/images (from %s)\n", __FILE__);
        return 1;
    }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        compare_case((int)i);
    test_identity();
    test_too_small();
    test_formats();
    test_deep();
    test_bad_inputs();
    test_to_rgb();
    test_quantize();
    test_channel_sum();
    test_colors();
    test_overlay();
    test_png();
    return check_finish();
}
