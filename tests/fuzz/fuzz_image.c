/* Fuzz target: an image file from memory through lrp_image_load_mem and
 * the torchvision-style preprocessing at a small size (resize 20, crop
 * 16x16), to 3 and to 1 channel, with the display image for overlays. */
#include <stdlib.h>
#include <string.h>

#include <stb_image.h>

#include "fuzz_common.h"
#include "io/image.h"
#include "io/preprocess.h"

/* Decoded pixels above this are skipped: they are legal (the library's limit
 * is LRP_IMAGE_MAX_PIXELS) but would only measure the RSS limit. */
#define MAX_FUZZ_PIXELS ((size_t)1 << 16)

static void preprocess(const lrp_image *img, int channels)
{
    lrp_preprocess p;
    lrp_image display;
    lrp_error err;
    int h, w;
    lrp_preprocess_defaults(&p);
    p.resize = 20;
    p.crop_h = p.crop_w = 16;
    p.channels = channels;
    if (lrp_preprocess_size(&p, img->width, img->height, &h, &w, &err) != LRP_OK)
        return;
    float *chw = malloc((size_t)channels * (size_t)h * (size_t)w * sizeof *chw);
    if (chw && lrp_preprocess_run(img, &p, chw, channels == 3 ? &display : NULL, &err) == LRP_OK
        && channels == 3)
        lrp_image_free(&display);
    free(chw);
}

int FUZZ_ENTRY(image)(const uint8_t *data, size_t size)
{
    lrp_image img;
    lrp_error err;
    int w, h, comp;
    if (size > 0 && size < (1u << 30) && stbi_info_from_memory(data, (int)size, &w, &h, &comp)
        && w > 0 && h > 0 && (size_t)w * (size_t)h > MAX_FUZZ_PIXELS)
        return 0;
    if (lrp_image_load_mem(data, size, "fuzz.img", &img, &err) != LRP_OK) {
        (void)strlen(err.message);
        return 0;
    }
    preprocess(&img, 3);
    preprocess(&img, 1);
    lrp_image_free(&img);
    return 0;
}
