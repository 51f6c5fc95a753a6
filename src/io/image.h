/* Decoding image files (PNG, JPEG, BMP, GIF, TGA, PNM) into float pixels
 * in [0,1] with stb_image, and PIL-style conversion between gray and RGB. */
#ifndef LRP_IO_IMAGE_H
#define LRP_IO_IMAGE_H

#include <stddef.h>

#include "lrp.h"

/* Refused before decoding, from the header alone. */
#define LRP_IMAGE_MAX_SIDE 16384
#define LRP_IMAGE_MAX_PIXELS ((size_t)256 << 20)
/* Largest file read: an uncompressed 16384x16384 RGBA BMP, plus headers. */
#define LRP_IMAGE_MAX_FILE (((size_t)1 << 30) + ((size_t)1 << 20))

/* (height, width, channels) floats in [0,1], C order (HWC): 8-bit samples
 * are v/255, 16-bit ones v/65535. channels 1..4: gray, gray+alpha, RGB, RGBA. */
typedef struct lrp_image {
    int width, height, channels;
    float *data; /* owned; free with lrp_image_free */
} lrp_image;

/* Decodes the file at 'path' as stored (GIF: the first frame). Fails naming
 * the file for a missing, empty, corrupt, unsupported or oversized file;
 * on failure *out is zeroed. On success the caller owns out->data. */
lrp_status lrp_image_load(const char *path, lrp_image *out, lrp_error *err);

/* The same from memory; 'what' names the source in messages. */
lrp_status lrp_image_load_mem(const void *buf, size_t size, const char *what, lrp_image *out,
                              lrp_error *err);

/* A zero-filled width x height x channels image (caller frees). */
lrp_status lrp_image_new(int width, int height, int channels, lrp_image *out, lrp_error *err);

/* Frees the data and zeroes the struct; NULL-safe. */
void lrp_image_free(lrp_image *img);

/* ITU-R 601-2 luma of one RGB triple, L = R*0.299 + G*0.587 + B*0.114. */
float lrp_luma(const float *rgb);

/* Like PIL's convert('RGB') (channels 3) or convert('L') (channels 1):
 * gray is replicated, alpha is dropped (not composited), and RGB becomes
 * gray by ITU-R 601-2 luma, L = R*299/1000 + G*587/1000 + B*114/1000.
 * *out is a new image (caller frees); zeroed on failure. */
lrp_status lrp_image_to_rgb(const lrp_image *img, int channels, lrp_image *out, lrp_error *err);

#endif /* LRP_IO_IMAGE_H */
