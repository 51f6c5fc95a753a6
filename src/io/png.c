/* PNG output: stb_image_write encodes into a memory buffer (its zlib is
 * deterministic), and the bytes reach 'path' through a temporary file and
 * rename(), so readers never see half a file. */
#include "io/png.h"
#include "io/atomic_file.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <stb_image_write.h>

#include "util/error.h"

/* A growing byte buffer filled by stb's write callback. */
typedef struct png_buf {
    unsigned char *data;
    size_t len, cap;
    int failed; /* an allocation failed: the encoding is incomplete */
} png_buf;

static void png_append(void *ctx, void *bytes, int n)
{
    png_buf *b = ctx;
    if (b->failed || n <= 0)
        return;
    if (b->len + (size_t)n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + (size_t)n)
            cap *= 2;
        unsigned char *p = realloc(b->data, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, bytes, (size_t)n);
    b->len += (size_t)n;
}

static lrp_status encode(const char *path, const uint8_t *pixels, int w, int h, int channels,
                         png_buf *b, lrp_error *err)
{
    memset(b, 0, sizeof *b);
    if (!pixels || w <= 0 || h <= 0 || channels < 1 || channels > 4)
        return lrp_error_set(err, LRP_ERR_ARG, "%s: cannot write a %dx%dx%d image", path, w, h,
                             channels);
    if ((size_t)w * (size_t)channels > INT_MAX / 2 ||
        (size_t)w * (size_t)h * (size_t)channels > INT_MAX / 2)
        return lrp_error_set(err, LRP_ERR_LIMIT,
                             "%s: a %dx%d image is too large for PNG output", path, w, h);
    int ok = stbi_write_png_to_func(png_append, b, w, h, channels, pixels, w * channels);
    if (!ok || b->failed) {
        free(b->data);
        memset(b, 0, sizeof *b);
        return lrp_error_set(err, LRP_ERR_NOMEM, "%s: out of memory encoding PNG", path);
    }
    return LRP_OK;
}

lrp_status lrp_png_write(const char *path, const uint8_t *pixels, int w, int h, int channels,
                         lrp_error *err)
{
    png_buf b;
    if (!path)
        return lrp_error_set(err, LRP_ERR_ARG, "PNG output: no path");
    lrp_status st = encode(path, pixels, w, h, channels, &b, err);
    if (st)
        return st;
    st = lrp_write_file_atomic(path, b.data, b.len, err);
    free(b.data);
    return st;
}
