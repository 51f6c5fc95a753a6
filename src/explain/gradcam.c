/* Grad-CAM: channel weights from the mean gradient, a ReLU, bilinear
 * upsampling to the input. */
#include "explain/gradcam.h"

#include <stdlib.h>

#include "explain/bilinear.h"
#include "explain/channel_map.h"

bool lrp_gradcam(const float *a, const float *g, int n, int c, int h, int w, int in_c,
                 int out_h, int out_w, float *out)
{
    size_t hw = (size_t)h * (size_t)w, out_hw = (size_t)out_h * (size_t)out_w;
    /* cam (h, w), then the row-resized rows (h, out_w) */
    float *cam = malloc((hw + (size_t)h * out_w + 1) * sizeof *cam);
    lrp_lerp *taps = malloc(((size_t)out_h + out_w) * sizeof *taps);
    if (!cam || !taps) {
        free(cam);
        free(taps);
        return false;
    }
    lrp_bilinear_axis(h, out_h, taps);
    lrp_bilinear_axis(w, out_w, taps + out_h);
    for (int i = 0; i < n; i++) {
        for (size_t p = 0; p < hw; p++)
            cam[p] = 0.0f;
        for (int k = 0; k < c; k++) {
            const float *ak = a + ((size_t)i * c + k) * hw, *gk = g + ((size_t)i * c + k) * hw;
            double alpha = 0.0;
            for (size_t p = 0; p < hw; p++)
                alpha += gk[p];
            alpha /= (double)hw;
            for (size_t p = 0; p < hw; p++)
                cam[p] += (float)alpha * ak[p];
        }
        for (size_t p = 0; p < hw; p++)
            cam[p] = cam[p] > 0.0f ? cam[p] : 0.0f;
        float *oi = out + (size_t)i * in_c * out_hw;
        lrp_bilinear_resize(cam, h, w, taps, out_h, taps + out_h, out_w, cam + hw, oi);
        lrp_channel_map_spread(oi, in_c, out_hw);
    }
    free(cam);
    free(taps);
    return true;
}
