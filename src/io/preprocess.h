/* torchvision's ImageNet evaluation transform, Resize + CenterCrop +
 * ToTensor + Normalize, computed as PIL computes it. */
#ifndef LRP_IO_PREPROCESS_H
#define LRP_IO_PREPROCESS_H

#include <stdbool.h>

#include "io/image.h"
#include "lrp.h"

typedef struct lrp_preprocess {
    int resize;             /* the shorter side after resizing; 0 = no resize */
    int resize_h, resize_w; /* both > 0: torchvision's Resize((h, w)), exactly
                               that size (aspect not kept); resize is unused */
    int crop_h, crop_w;     /* center crop; 0 = keep that side whole */
    int channels;           /* 1 (PIL 'L') or 3 (PIL 'RGB') */
    float mean[4], std[4];
    const char *resize_name; /* what messages call the resize (NULL: "resize") */
} lrp_preprocess;

/* resize 256, crop 224x224, 3 channels, ImageNet mean and std. */
void lrp_preprocess_defaults(lrp_preprocess *p);

/* The default normalization of a model input with 'channels' channels:
 * ImageNet's mean and std for 3; for 1, their luma (lrp_luma of each, the
 * gray of ImageNet's mean pixel): mean 0.4590, std 0.2256. Returns false,
 * writing nothing, for other counts: they have no default. */
bool lrp_norm_defaults(int channels, float *mean, float *std);

/* What lrp_preprocess_run does to an image's channels to give the model's,
 * as bit flags; lrp_conversion_text says each in words. */
typedef enum lrp_conversion {
    LRP_CONVERT_LUMA = 1,      /* RGB to 1 channel */
    LRP_CONVERT_REPLICATE = 2, /* gray to 3 channels */
    LRP_CONVERT_ALPHA = 4,     /* the alpha channel dropped */
} lrp_conversion;

#define LRP_CONVERSIONS 3 /* flags above: 1 << 0 .. 1 << (LRP_CONVERSIONS - 1) */

/* The conversions an image of image_channels (1..4: gray, gray+alpha, RGB,
 * RGBA) goes through to become 'channels' (1 or 3) planes. */
unsigned lrp_preprocess_conversions(int image_channels, int channels);
/* One conversion flag in words (static), or NULL for anything else. */
const char *lrp_conversion_text(unsigned flag);

/* The (height, width) of the tensor lrp_preprocess_run makes from a
 * width x height image: the crop, or the resized size where crop is 0. */
lrp_status lrp_preprocess_size(const lrp_preprocess *p, int width, int height, int *out_h,
                               int *out_w, lrp_error *err);

/* Fills chw, (channels, out_h, out_w) with out_h, out_w as given by
 * lrp_preprocess_size, with ((v/255) - mean) / std where v is the 8-bit
 * sample after:
 *   convert: PIL's convert('RGB') or convert('L') (16-bit samples are first
 *            rounded to 8 bits, where PIL would clip them);
 *   Resize:  the shorter side to p->resize, the longer to
 *            int(resize * long / short), or to resize_h x resize_w; PIL's
 *            antialiased BILINEAR resample, bit for bit (8-bit, fixed-point,
 *            horizontal pass first);
 *   CenterCrop: top = round((h - crop_h) / 2) with Python's round-half-even.
 * display (optional, NULL to skip) gets the resized and cropped image as 3
 * channels in [0,1] (gray replicated), for overlays; the caller frees it.
 * An image smaller than the crop is an LRP_ERR_SHAPE whose message gives the
 * least resize that would fit; messages do not know the file name: callers
 * prefix it with lrp_error_prefix. */
lrp_status lrp_preprocess_run(const lrp_image *img, const lrp_preprocess *p, float *chw,
                              lrp_image *display, lrp_error *err);

#endif /* LRP_IO_PREPROCESS_H */
