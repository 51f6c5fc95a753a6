/* The public image pipeline over io/: decode (io/image.c) and preprocess
 * (io/preprocess.c), with images as lrp_array (H, W, C). */
#include <stdlib.h>
#include <string.h>

#include "io/image.h"
#include "io/preprocess.h"
#include "util/error.h"
#include "util/finite.h"

/* An io/ image's pixels become the array's data (ownership moves). */
static void image_to_array(lrp_image *img, lrp_array *out)
{
    *out = (lrp_array){.rank = 3, .dims = {img->height, img->width, img->channels},
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

lrp_status lrp_image_decode_mem(const void *buf, size_t size, const char *name,
                                lrp_array *out, lrp_error *err)
{
    lrp_image img;
    memset(out, 0, sizeof *out);
    lrp_status st = lrp_image_load_mem(buf, size, name, &img, err);
    if (st == LRP_OK)
        image_to_array(&img, out);
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
        return lrp_error_set(err, LRP_ERR_SHAPE, "preprocess: the image must be (H, W, C) with "
                             "C 1 to 4 and sides 1 to %d", LRP_IMAGE_MAX_SIDE);
    lrp_status st = lrp_check_finite(image->data, image->rank, image->dims, "preprocess: the image",
                                     err);
    if (st)
        return st;
    lrp_preprocess p = {.resize = pp->resize, .crop_h = pp->crop_h, .crop_w = pp->crop_w,
                        .channels = pp->channels};
    memcpy(p.mean, pp->mean, sizeof p.mean);
    memcpy(p.std, pp->std, sizeof p.std);
    lrp_image img = {.height = (int)image->dims[0], .width = (int)image->dims[1],
                     .channels = (int)image->dims[2], .data = image->data};
    int h, w;
    st = lrp_preprocess_size(&p, img.width, img.height, &h, &w, err);
    if (st)
        return st;
    *input = (lrp_array){.rank = 4, .dims = {1, p.channels, h, w}};
    if (!(input->data = malloc(lrp_array_count(input) * sizeof(float))))
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory for a %dx%d input", h, w);
    lrp_image shown = {0};
    if ((st = lrp_preprocess_run(&img, &p, input->data, display ? &shown : NULL, err))) {
        lrp_array_free(input);
        return st;
    }
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
