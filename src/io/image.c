/* Image decoding through stb_image: the file is read here (so messages name
 * it and its size is bounded), the header is checked against the size
 * limits, and only then are pixels decoded and scaled to [0,1]. */
#include "io/image.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <stb_image.h>

#include "io/file.h"
#include "util/error.h"

lrp_status lrp_image_new(int width, int height, int channels, lrp_image *out, lrp_error *err)
{
    size_t n;
    memset(out, 0, sizeof *out);
    if (width <= 0 || height <= 0 || channels < 1 || channels > 4)
        return lrp_error_set(err, LRP_ERR_ARG, "bad image shape %dx%dx%d", width, height,
                             channels);
    if (!lrp_mul_size((size_t)width * (size_t)height, (size_t)channels * sizeof(float), &n))
        return lrp_error_set(err, LRP_ERR_LIMIT, "image %dx%dx%d is too large", width, height,
                             channels);
    if (!(out->data = calloc(1, n)))
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory for a %dx%d image", width,
                             height);
    out->width = width;
    out->height = height;
    out->channels = channels;
    return LRP_OK;
}

void lrp_image_free(lrp_image *img)
{
    if (!img)
        return;
    free(img->data);
    memset(img, 0, sizeof *img);
}

/* stb's reason for the last failure, or a generic one. */
static const char *stb_reason(void)
{
    const char *r = stbi_failure_reason();
    return r ? r : "unknown error";
}

/* The header's size, refused above the limits before any pixel is decoded. */
static lrp_status check_header(const stbi_uc *buf, int len, const char *what, lrp_error *err)
{
    int w, h, comp;
    if (!stbi_info_from_memory(buf, len, &w, &h, &comp))
        return lrp_error_set(err, LRP_ERR_PARSE, "%s: not a readable image (%s)", what,
                             stb_reason());
    if (w <= 0 || h <= 0 || w > LRP_IMAGE_MAX_SIDE || h > LRP_IMAGE_MAX_SIDE ||
        (size_t)w * (size_t)h > LRP_IMAGE_MAX_PIXELS)
        return lrp_error_set(err, LRP_ERR_LIMIT,
                             "%s: image is %dx%d; the limit is %dx%d and %zu pixels", what, w,
                             h, LRP_IMAGE_MAX_SIDE, LRP_IMAGE_MAX_SIDE, LRP_IMAGE_MAX_PIXELS);
    return LRP_OK;
}

/* Decodes at the stored bit depth: 16-bit samples (PNG, PNM) keep their
 * precision, everything else is 8-bit. */
static lrp_status decode(const stbi_uc *buf, int len, const char *what, lrp_image *out,
                         lrp_error *err)
{
    int w, h, c;
    int deep = stbi_is_16_bit_from_memory(buf, len);
    void *px = deep ? (void *)stbi_load_16_from_memory(buf, len, &w, &h, &c, 0)
                    : (void *)stbi_load_from_memory(buf, len, &w, &h, &c, 0);
    if (!px)
        return lrp_error_set(err, LRP_ERR_PARSE, "%s: cannot decode image (%s)", what,
                             stb_reason());
    lrp_status st = lrp_image_new(w, h, c, out, err);
    if (st) {
        stbi_image_free(px);
        lrp_error_prefix(err, "%s", what);
        return st;
    }
    size_t n = (size_t)w * (size_t)h * (size_t)c;
    for (size_t i = 0; i < n; i++)
        out->data[i] = deep ? ((const stbi_us *)px)[i] / 65535.0f
                            : ((const stbi_uc *)px)[i] / 255.0f;
    stbi_image_free(px);
    return LRP_OK;
}

lrp_status lrp_image_load_mem(const void *buf, size_t size, const char *what, lrp_image *out,
                              lrp_error *err)
{
    memset(out, 0, sizeof *out);
    if (!what)
        what = "image";
    if (size == 0)
        return lrp_error_set(err, LRP_ERR_PARSE, "%s: empty file, not an image", what);
    if (size > INT_MAX)
        return lrp_error_set(err, LRP_ERR_LIMIT, "%s: %zu bytes is too large for an image",
                             what, size);
    lrp_status st = check_header(buf, (int)size, what, err);
    return st ? st : decode(buf, (int)size, what, out, err);
}

lrp_status lrp_image_load(const char *path, lrp_image *out, lrp_error *err)
{
    void *buf;
    size_t size;
    memset(out, 0, sizeof *out);
    lrp_status st = lrp_read_file(path, LRP_IMAGE_MAX_FILE, &buf, &size, err);
    if (st)
        return st;
    st = lrp_image_load_mem(buf, size, path, out, err);
    free(buf);
    return st;
}

float lrp_luma(const float *rgb)
{
    return rgb[0] * (299.0f / 1000) + rgb[1] * (587.0f / 1000) + rgb[2] * (114.0f / 1000);
}

lrp_status lrp_image_to_rgb(const lrp_image *img, int channels, lrp_image *out, lrp_error *err)
{
    memset(out, 0, sizeof *out);
    if (channels != 1 && channels != 3)
        return lrp_error_set(err, LRP_ERR_ARG, "can only convert to 1 or 3 channels, not %d",
                             channels);
    lrp_status st = lrp_image_new(img->width, img->height, channels, out, err);
    if (st)
        return st;
    size_t n = (size_t)img->width * (size_t)img->height;
    int cin = img->channels;
    for (size_t i = 0; i < n; i++) {
        const float *s = img->data + i * (size_t)cin;
        float *d = out->data + i * (size_t)channels;
        if (channels == 1)
            d[0] = cin >= 3 ? lrp_luma(s) : s[0];
        else
            for (int k = 0; k < 3; k++)
                d[k] = cin >= 3 ? s[k] : s[0];
    }
    return LRP_OK;
}
