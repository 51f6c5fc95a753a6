/* The public image pipeline over io/: decode (io/image.c) and preprocess
 * (io/preprocess.c) into the model's layout and batch, with images as
 * lrp_array (H, W, C). */
#include <stdlib.h>
#include <string.h>

#include "api/image_input.h"
#include "util/error.h"
#include "util/finite.h"

/* An io/ image's pixels become the array's data (ownership moves). */
static void image_to_array(lrp_image *img, lrp_array *out)
{
    *out = (lrp_array){.rank = 3,
                       .dims = {img->height, img->width, img->channels},
                       .data = img->data};
    memset(img, 0, sizeof *img);
}

lrp_status lrp_image_decode(const char *path, lrp_array *out, lrp_error *err)
{
    lrp_image img;
    memset(out, 0, sizeof *out);
    lrp_status st = lrp_image_load(path, &img, err);
    if (st == LRP_OK)
        image_to_array(&img, out);
    return st;
}

lrp_status lrp_image_decode_mem(const void *buf, size_t size, const char *name, lrp_array *out,
                                lrp_error *err)
{
    lrp_image img;
    memset(out, 0, sizeof *out);
    lrp_status st = lrp_image_load_mem(buf, size, name, &img, err);
    if (st == LRP_OK)
        image_to_array(&img, out);
    return st;
}

void lrp_preprocess_from(const lrp_preprocessing *pp, lrp_preprocess *p)
{
    *p = (lrp_preprocess){.resize = pp->resize,
                          .resize_h = pp->resize_h,
                          .resize_w = pp->resize_w,
                          .crop_h = pp->crop_h,
                          .crop_w = pp->crop_w,
                          .channels = pp->channels,
                          .resize_name = pp->resize_name};
    memcpy(p->mean, pp->mean, sizeof p->mean);
    memcpy(p->std, pp->std, sizeof p->std);
}

/* (C, H, W) planes to (H, W, C) pixels. */
static void to_channels_last(const float *chw, int c, int h, int w, float *hwc)
{
    for (int k = 0; k < c; k++)
        for (size_t i = 0; i < (size_t)h * (size_t)w; i++)
            hwc[i * (size_t)c + (size_t)k] = chw[(size_t)k * h * w + i];
}

lrp_status lrp_image_to_input(const lrp_preprocessing *pp, const lrp_image *img, lrp_array *x,
                              lrp_image *display, lrp_error *err)
{
    lrp_preprocess p;
    lrp_preprocess_from(pp, &p);
    int h, w, c = p.channels, batch = pp->batch > 1 ? pp->batch : 1;
    memset(x, 0, sizeof *x);
    lrp_status st = lrp_preprocess_size(&p, img->width, img->height, &h, &w, err);
    if (st)
        return st;
    *x = pp->channels_last ? (lrp_array){.rank = 4, .dims = {batch, h, w, c}}
                           : (lrp_array){.rank = 4, .dims = {batch, c, h, w}};
    size_t one = (size_t)c * (size_t)h * (size_t)w;
    x->data = malloc(lrp_array_count(x) * sizeof(float));
    float *chw = pp->channels_last ? malloc(one * sizeof(float)) : x->data;
    if (!x->data || !chw) {
        if (chw != x->data)
            free(chw);
        lrp_array_free(x);
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory for a %dx%d input", h, w);
    }
    st = lrp_preprocess_run(img, &p, chw, display, err);
    if (pp->channels_last) {
        to_channels_last(chw, c, h, w, x->data);
        free(chw);
    }
    for (int b = 1; b < batch; b++) /* a fixed batch: the image in every slot */
        memcpy(x->data + (size_t)b * one, x->data, one * sizeof(float));
    if (st)
        lrp_array_free(x);
    return st;
}

lrp_status lrp_preprocess_image(const lrp_preprocessing *pp, const lrp_array *image,
                                lrp_array *input, lrp_array *display, lrp_error *err)
{
    memset(input, 0, sizeof *input);
    if (display)
        memset(display, 0, sizeof *display);
    if (image->rank != 3 || image->dims[2] < 1 || image->dims[2] > 4 || image->dims[0] < 1 ||
        image->dims[1] < 1 || image->dims[0] > LRP_IMAGE_MAX_SIDE ||
        image->dims[1] > LRP_IMAGE_MAX_SIDE)
        return lrp_error_set(err, LRP_ERR_SHAPE,
                             "preprocess: the image must be (H, W, C) with "
                             "C 1 to 4 and sides 1 to %d",
                             LRP_IMAGE_MAX_SIDE);
    lrp_status st = lrp_check_finite(image->data, image->rank, image->dims,
                                     "preprocess: the image", err);
    if (st)
        return st;
    lrp_image img = {.height = (int)image->dims[0],
                     .width = (int)image->dims[1],
                     .channels = (int)image->dims[2],
                     .data = image->data};
    lrp_image shown = {0};
    if ((st = lrp_image_to_input(pp, &img, input, display ? &shown : NULL, err)))
        return st;
    if (display)
        image_to_array(&shown, display);
    return LRP_OK;
}

lrp_status lrp_image_load_input(const lrp_preprocessing *p, const char *path, lrp_array *input,
                                lrp_array *display, lrp_error *err)
{
    lrp_array image;
    memset(input, 0, sizeof *input);
    if (display)
        memset(display, 0, sizeof *display);
    lrp_status st = lrp_image_decode(path, &image, err); /* its messages name the file */
    if (st == LRP_OK && (st = lrp_preprocess_image(p, &image, input, display, err)))
        lrp_error_prefix(err, "%s", path);
    lrp_array_free(&image);
    return st;
}

lrp_status lrp_relevance_to_planes(const lrp_preprocessing *p, lrp_array *r, lrp_error *err)
{
    if (r->rank != 4 || r->dims[0] < 1)
        return lrp_error_set(err, LRP_ERR_SHAPE,
                             "relevance_to_planes: the map must be (N, ...) "
                             "of rank 4, not rank %d",
                             r->rank);
    r->dims[0] = 1;
    if (!p->channels_last)
        return LRP_OK;
    int64_t h = r->dims[1], w = r->dims[2], c = r->dims[3]; /* through a copy of image 0 */
    size_t plane = (size_t)h * (size_t)w;
    float *hwc = malloc(plane * (size_t)c * sizeof(float) + 1);
    if (!hwc)
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
    memcpy(hwc, r->data, plane * (size_t)c * sizeof(float));
    for (int64_t k = 0; k < c; k++)
        for (size_t i = 0; i < plane; i++)
            r->data[(size_t)k * plane + i] = hwc[i * (size_t)c + (size_t)k];
    free(hwc);
    r->dims[1] = c;
    r->dims[2] = h;
    r->dims[3] = w;
    return LRP_OK;
}
