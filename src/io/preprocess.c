/* ImageNet preprocessing that reproduces torchvision on PIL images. The
 * resize is PIL's antialiased bilinear resample: a triangle filter whose
 * support grows with the downscale factor, separable, on 8-bit samples with
 * 22-bit fixed-point weights, rounded and clamped after each pass. */
#include "io/preprocess.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

#define PRECISION_BITS 22 /* PIL's: 32 - 8 bits of sample - 2 bits of headroom */

/* ImageNet's normalization, the default preprocessing (torchvision's). */
static const float imagenet_mean[3] = {0.485f, 0.456f, 0.406f};
static const float imagenet_std[3] = {0.229f, 0.224f, 0.225f};

bool lrp_norm_defaults(int channels, float *mean, float *std)
{
    if (channels == 3) {
        memcpy(mean, imagenet_mean, sizeof imagenet_mean);
        memcpy(std, imagenet_std, sizeof imagenet_std);
    } else if (channels == 1) {
        mean[0] = lrp_luma(imagenet_mean);
        std[0] = lrp_luma(imagenet_std);
    }
    return channels == 1 || channels == 3;
}

void lrp_preprocess_defaults(lrp_preprocess *p)
{
    memset(p, 0, sizeof *p);
    p->resize = 256;
    p->crop_h = p->crop_w = 224;
    p->channels = 3;
    lrp_norm_defaults(3, p->mean, p->std);
    p->mean[3] = 0.0f;
    p->std[3] = 1.0f;
}

unsigned lrp_preprocess_conversions(int image_channels, int channels)
{
    bool color = image_channels >= 3, alpha = image_channels == 2 || image_channels == 4;
    return (color && channels == 1 ? LRP_CONVERT_LUMA : 0u) |
           (!color && channels == 3 ? LRP_CONVERT_REPLICATE : 0u) |
           (alpha ? LRP_CONVERT_ALPHA : 0u);
}

/* In the words of image_to_u8 below, which does them. */
const char *lrp_conversion_text(unsigned flag)
{
    switch (flag) {
    case LRP_CONVERT_LUMA:
        return "RGB image converted to luma, L = (19595 R + 38470 G + 7471 B + 32768) >> 16 "
               "on 8-bit samples (ITU-R 601-2, as PIL's convert('L'))";
    case LRP_CONVERT_REPLICATE:
        return "gray image replicated into R, G and B (as PIL's convert('RGB'))";
    case LRP_CONVERT_ALPHA:
        return "alpha channel dropped, not composited over a background (as PIL's convert)";
    default: return NULL;
    }
}

/* ------------------------------------------------------------------ sizes */

static lrp_status check_params(const lrp_preprocess *p, lrp_error *err)
{
    if (p->channels != 1 && p->channels != 3)
        return lrp_error_set(err, LRP_ERR_ARG, "preprocess: %d channels; 1 or 3 are supported",
                             p->channels);
    if (p->resize < 0 || p->resize_h < 0 || p->resize_w < 0 || p->crop_h < 0 || p->crop_w < 0)
        return lrp_error_set(err, LRP_ERR_ARG,
                             "preprocess: negative resize %d (%dx%d) or "
                             "crop %dx%d",
                             p->resize, p->resize_h, p->resize_w, p->crop_h, p->crop_w);
    for (int k = 0; k < p->channels; k++)
        if (!(p->std[k] != 0.0f))
            return lrp_error_set(err, LRP_ERR_ARG, "preprocess: std[%d] is %g", k,
                                 (double)p->std[k]);
    return LRP_OK;
}

/* torchvision's Resize(int): the shorter side becomes p->resize, the longer
 * int(resize * long / short), truncated; Resize((h, w)): exactly that. */
static lrp_status resized_size(const lrp_preprocess *p, int w, int h, int *rw, int *rh,
                               lrp_error *err)
{
    *rw = w;
    *rh = h;
    if (p->resize_h > 0 && p->resize_w > 0) {
        if (p->resize_h > LRP_IMAGE_MAX_SIDE || p->resize_w > LRP_IMAGE_MAX_SIDE ||
            (double)p->resize_h * p->resize_w > (double)LRP_IMAGE_MAX_PIXELS)
            return lrp_error_set(err, LRP_ERR_LIMIT,
                                 "resizing to %dx%d exceeds the limit of "
                                 "%dx%d",
                                 p->resize_h, p->resize_w, LRP_IMAGE_MAX_SIDE,
                                 LRP_IMAGE_MAX_SIDE);
        *rw = p->resize_w;
        *rh = p->resize_h;
        return LRP_OK;
    }
    if (p->resize == 0)
        return LRP_OK;
    int shorter = w <= h ? w : h, longer = w <= h ? h : w;
    double l = floor((double)((int64_t)p->resize * longer) / shorter);
    if (p->resize > LRP_IMAGE_MAX_SIDE || l > LRP_IMAGE_MAX_SIDE ||
        (double)p->resize * l > (double)LRP_IMAGE_MAX_PIXELS)
        return lrp_error_set(
            err, LRP_ERR_LIMIT,
            "resizing %dx%d to a shorter side of %d exceeds the limit of %dx%d", w, h,
            p->resize, LRP_IMAGE_MAX_SIDE, LRP_IMAGE_MAX_SIDE);
    *rw = w <= h ? p->resize : (int)l;
    *rh = w <= h ? (int)l : p->resize;
    return LRP_OK;
}

/* The least shorter side r whose Resize(r) of a w x h image covers a
 * crop_h x crop_w crop: r itself on the shorter side, int(r long / short)
 * on the longer (as resized_size). */
static int least_fitting_resize(int w, int h, int crop_h, int crop_w)
{
    int shorter = w <= h ? w : h, longer = w <= h ? h : w;
    int need_short = w <= h ? crop_w : crop_h, need_long = w <= h ? crop_h : crop_w;
    int64_t r = ((int64_t)need_long * shorter + longer - 1) / longer;
    if (r < need_short)
        r = need_short;
    while ((r * longer) / shorter < need_long) /* the truncation: at most a step or two */
        r++;
    return (int)r;
}

lrp_status lrp_preprocess_size(const lrp_preprocess *p, int width, int height, int *out_h,
                               int *out_w, lrp_error *err)
{
    int rw, rh;
    lrp_status st = check_params(p, err);
    if (!st && (width <= 0 || height <= 0))
        st = lrp_error_set(err, LRP_ERR_ARG, "preprocess: empty %dx%d image", width, height);
    if (!st)
        st = resized_size(p, width, height, &rw, &rh, err);
    if (st)
        return st;
    *out_h = p->crop_h ? p->crop_h : rh;
    *out_w = p->crop_w ? p->crop_w : rw;
    if (*out_h > rh || *out_w > rw)
        return lrp_error_set(err, LRP_ERR_SHAPE,
                             "image smaller than the crop (height x width): %dx%d, "
                             "resized to %dx%d, crop %dx%d; a shorter side of at least %d "
                             "(%s) would fit it",
                             height, width, rh, rw, *out_h, *out_w,
                             least_fitting_resize(width, height, *out_h, *out_w),
                             p->resize_name ? p->resize_name : "resize");
    return LRP_OK;
}

/* Python's round() of d / 2: halves go to the even neighbour. */
static int half_round_even(int d)
{
    int q = d / 2;
    return (d % 2 != 0 && q % 2 != 0) ? q + 1 : q;
}

/* ------------------------------------------------------- 8-bit conversion */

static uint8_t to_u8(float f)
{
    float v = f * 255.0f + 0.5f;
    return v <= 0.0f ? 0 : v >= 255.0f ? 255 : (uint8_t)v;
}

/* PIL's 8-bit luma: 601-2 weights in 16-bit fixed point, rounded. */
static uint8_t luma_u8(uint8_t r, uint8_t g, uint8_t b)
{
    return (uint8_t)((r * 19595u + g * 38470u + b * 7471u + 0x8000u) >> 16);
}

/* (h, w, img->channels) floats -> (h, w, channels) bytes, converted as PIL's
 * convert('RGB') / convert('L'): alpha dropped, gray replicated. */
static uint8_t *image_to_u8(const lrp_image *img, int channels)
{
    size_t n = (size_t)img->width * (size_t)img->height;
    int cin = img->channels;
    uint8_t *out = malloc(n * (size_t)channels);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const float *s = img->data + i * (size_t)cin;
        uint8_t *d = out + i * (size_t)channels;
        uint8_t r = to_u8(s[0]);
        uint8_t g = cin >= 3 ? to_u8(s[1]) : r, b = cin >= 3 ? to_u8(s[2]) : r;
        if (channels == 1)
            d[0] = cin >= 3 ? luma_u8(r, g, b) : r;
        else {
            d[0] = r;
            d[1] = g;
            d[2] = b;
        }
    }
    return out;
}

/* --------------------------------------------------------- PIL's resample */

/* Which inputs feed each output sample along one axis, and how much. */
typedef struct taps {
    int ksize;  /* weights stored per output sample */
    int *first; /* (out) first input index */
    int *count; /* (out) inputs used, <= ksize */
    int32_t *w; /* (out, ksize) weights in PRECISION_BITS fixed point */
} taps;

static void taps_free(taps *t)
{
    free(t->first);
    free(t->count);
    free(t->w);
    memset(t, 0, sizeof *t);
}

static double triangle(double x)
{
    x = fabs(x);
    return x < 1.0 ? 1.0 - x : 0.0;
}

/* Weights of output sample o: PIL's precompute_coeffs, then its rounding to
 * fixed point. The triangle has support 1, stretched by the downscale. */
static void taps_one(taps *t, int o, int in_size, double scale, double *k)
{
    double filterscale = scale < 1.0 ? 1.0 : scale, support = filterscale;
    double center = (o + 0.5) * scale, ss = 1.0 / filterscale, sum = 0.0;
    int lo = (int)(center - support + 0.5), hi = (int)(center + support + 0.5);
    lo = lo < 0 ? 0 : lo;
    hi = hi > in_size ? in_size : hi;
    int n = hi - lo;
    for (int i = 0; i < n; i++)
        sum += k[i] = triangle((i + lo - center + 0.5) * ss);
    int32_t *w = t->w + (size_t)o * (size_t)t->ksize;
    for (int i = 0; i < t->ksize; i++) {
        double v = i < n && sum != 0.0 ? k[i] / sum : 0.0;
        w[i] = (int32_t)(v < 0 ? -0.5 + v * (1 << PRECISION_BITS)
                               : 0.5 + v * (1 << PRECISION_BITS));
    }
    t->first[o] = lo;
    t->count[o] = n;
}

static lrp_status taps_new(int in_size, int out_size, taps *t, lrp_error *err)
{
    double scale = (double)in_size / out_size;
    double support = scale < 1.0 ? 1.0 : scale;
    memset(t, 0, sizeof *t);
    t->ksize = (int)ceil(support) * 2 + 1;
    size_t nw = (size_t)out_size * (size_t)t->ksize;
    double *k = malloc((size_t)t->ksize * sizeof *k);
    t->first = malloc((size_t)out_size * sizeof *t->first);
    t->count = malloc((size_t)out_size * sizeof *t->count);
    t->w = malloc(nw * sizeof *t->w);
    if (!k || !t->first || !t->count || !t->w) {
        free(k);
        taps_free(t);
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory resizing %d to %d", in_size,
                             out_size);
    }
    for (int o = 0; o < out_size; o++)
        taps_one(t, o, in_size, scale, k);
    free(k);
    return LRP_OK;
}

/* A fixed-point sum back to a byte: drop the fraction, clamp to 0..255. */
static uint8_t clip8(int32_t acc)
{
    int32_t v = acc >> PRECISION_BITS;
    return (uint8_t)(acc < 0 ? 0 : v > 255 ? 255 : v);
}

/* Horizontal pass: (rows, in_w, c) -> (rows, out_w, c). */
static void pass_h(const uint8_t *in, int in_w, int rows, int c, const taps *t, int out_w,
                   uint8_t *out)
{
    for (int y = 0; y < rows; y++)
        for (int x = 0; x < out_w; x++) {
            const int32_t *w = t->w + (size_t)x * (size_t)t->ksize;
            const uint8_t *s = in +
                               ((size_t)y * (size_t)in_w + (size_t)t->first[x]) * (size_t)c;
            for (int ch = 0; ch < c; ch++) {
                int32_t acc = 1 << (PRECISION_BITS - 1);
                for (int i = 0; i < t->count[x]; i++)
                    acc += s[(size_t)i * (size_t)c + (size_t)ch] * w[i];
                out[((size_t)y * (size_t)out_w + (size_t)x) * (size_t)c + (size_t)ch] =
                    clip8(acc);
            }
        }
}

/* Vertical pass: (rows, w, c) -> (out_h, w, c); input row r of the taps is
 * row r - row0 of 'in', which holds only the rows the taps use. */
static void pass_v(const uint8_t *in, int w_c, int row0, const taps *t, int out_h, uint8_t *out)
{
    for (int y = 0; y < out_h; y++) {
        const int32_t *w = t->w + (size_t)y * (size_t)t->ksize;
        const uint8_t *s = in + (size_t)(t->first[y] - row0) * (size_t)w_c;
        for (int x = 0; x < w_c; x++) {
            int32_t acc = 1 << (PRECISION_BITS - 1);
            for (int i = 0; i < t->count[y]; i++)
                acc += s[(size_t)i * (size_t)w_c + (size_t)x] * w[i];
            out[(size_t)y * (size_t)w_c + (size_t)x] = clip8(acc);
        }
    }
}

/* Both passes once the taps are known: the horizontal one (where the width
 * changes) only on the rows the vertical one reads, as PIL does. */
static lrp_status run_passes(const uint8_t *in, int w, int h, int c, int ow, int oh,
                             const taps *th, const taps *tv, uint8_t *out, lrp_error *err)
{
    int row0 = 0, rows = h;
    uint8_t *tmp = NULL;
    if (ow != w) {
        row0 = tv->first[0];
        rows = tv->first[oh - 1] + tv->count[oh - 1] - row0;
        if (!(tmp = malloc((size_t)rows * (size_t)ow * (size_t)c)))
            return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory resizing to %dx%d", ow, oh);
        pass_h(in + (size_t)row0 * (size_t)w * (size_t)c, w, rows, c, th, ow, tmp);
    }
    if (oh != h)
        pass_v(tmp ? tmp : in, ow * c, row0, tv, oh, out);
    else
        memcpy(out, tmp ? tmp : in, (size_t)oh * (size_t)ow * (size_t)c);
    free(tmp);
    return LRP_OK;
}

/* PIL's ImagingResample with BILINEAR: (h, w, c) bytes -> (oh, ow, c). */
static lrp_status resample(const uint8_t *in, int w, int h, int c, int ow, int oh,
                           uint8_t **out, lrp_error *err)
{
    taps th, tv;
    *out = NULL;
    lrp_status st = taps_new(w, ow, &th, err);
    if (st)
        return st;
    st = taps_new(h, oh, &tv, err);
    if (!st && !(*out = malloc((size_t)oh * (size_t)ow * (size_t)c)))
        st = lrp_error_set(err, LRP_ERR_NOMEM, "out of memory resizing to %dx%d", ow, oh);
    if (!st)
        st = run_passes(in, w, h, c, ow, oh, &th, &tv, *out, err);
    if (st && *out) {
        free(*out);
        *out = NULL;
    }
    taps_free(&th);
    taps_free(&tv); /* zeroed by a failed taps_new */
    return st;
}

/* ------------------------------------------------------------ the output */

/* (rh, rw, c) bytes, crop at (top, left) -> (c, oh, ow) normalized floats. */
static void crop_normalize(const uint8_t *px, int rw, int c, int top, int left, int oh, int ow,
                           const lrp_preprocess *p, float *chw)
{
    for (int k = 0; k < c; k++)
        for (int y = 0; y < oh; y++)
            for (int x = 0; x < ow; x++) {
                uint8_t v =
                    px[((size_t)(top + y) * (size_t)rw + (size_t)(left + x)) * (size_t)c +
                       (size_t)k];
                /* float32, in torchvision's order: div(255), sub(mean), div(std) */
                float f = (float)v / 255.0f;
                chw[((size_t)k * (size_t)oh + (size_t)y) * (size_t)ow + (size_t)x] =
                    (f - p->mean[k]) / p->std[k];
            }
}

/* The same crop as a 3-channel [0,1] image for overlays. */
static lrp_status crop_display(const uint8_t *px, int rw, int c, int top, int left, int oh,
                               int ow, lrp_image *display, lrp_error *err)
{
    lrp_status st = lrp_image_new(ow, oh, 3, display, err);
    if (st)
        return st;
    for (int y = 0; y < oh; y++)
        for (int x = 0; x < ow; x++) {
            const uint8_t *s = px + ((size_t)(top + y) * (size_t)rw + (size_t)(left + x)) *
                                        (size_t)c;
            float *d = display->data + ((size_t)y * (size_t)ow + (size_t)x) * 3;
            for (int k = 0; k < 3; k++)
                d[k] = s[c == 3 ? k : 0] / 255.0f;
        }
    return LRP_OK;
}

lrp_status lrp_preprocess_run(const lrp_image *img, const lrp_preprocess *p, float *chw,
                              lrp_image *display, lrp_error *err)
{
    int oh, ow, rw = 0, rh = 0, c = p->channels;
    uint8_t *px = NULL, *resized = NULL;
    if (display)
        memset(display, 0, sizeof *display);
    lrp_status st = lrp_preprocess_size(p, img->width, img->height, &oh, &ow, err);
    if (!st)
        st = resized_size(p, img->width, img->height, &rw, &rh, err);
    if (!st && !(px = image_to_u8(img, c)))
        st = lrp_error_set(err, LRP_ERR_NOMEM, "out of memory for a %dx%d image", img->width,
                           img->height);
    if (!st && (rw != img->width || rh != img->height))
        st = resample(px, img->width, img->height, c, rw, rh, &resized, err);
    if (!st) {
        const uint8_t *src = resized ? resized : px;
        int top = half_round_even(rh - oh), left = half_round_even(rw - ow);
        crop_normalize(src, rw, c, top, left, oh, ow, p, chw);
        if (display)
            st = crop_display(src, rw, c, top, left, oh, ow, display, err);
    }
    free(px);
    free(resized);
    return st;
}
