/* An image into the model's input under a resolved lrp_preprocessing (its
 * layout and batch): the one path of lrp_preprocess_image and the CLI. */
#ifndef LRP_API_IMAGE_INPUT_H
#define LRP_API_IMAGE_INPUT_H

#include "io/image.h"
#include "io/preprocess.h"
#include "lrp.h"

/* The resize, crop, channels and normalization of pp as io/'s struct. */
void lrp_preprocess_from(const lrp_preprocessing *pp, lrp_preprocess *p);

/* img to *x, (batch, C, H, W) or (batch, H, W, C), the image in every
 * slot; display (NULL: not wanted) as lrp_preprocess_run gives it. Both
 * the caller's; messages know no file name. */
lrp_status lrp_image_to_input(const lrp_preprocessing *pp, const lrp_image *img, lrp_array *x,
                              lrp_image *display, lrp_error *err);

#endif /* LRP_API_IMAGE_INPUT_H */
