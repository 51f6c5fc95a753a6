/* Grad-CAM: channel weights from the mean gradient, a ReLU, bilinear
 * upsampling to the input. */
#include "explain/gradcam.h"

#include <math.h>
#include <stdlib.h>

float lrp_bilinear_sample(const float *map, int h, int w, int out_h, int out_w, int y, int x)
{
    float sy = ((float)y + 0.5f) * (float)h / (float)out_h - 0.5f;
    float sx = ((float)x + 0.5f) * (float)w / (float)out_w - 0.5f;
    sy = sy < 0.0f ? 0.0f : sy;
    sx = sx < 0.0f ? 0.0f : sx;
    int y0 = (int)sy, x0 = (int)sx;
    int y1 = y0 + 1 < h ? y0 + 1 : y0, x1 = x0 + 1 < w ? x0 + 1 : x0;
    float fy = sy - (float)y0, fx = sx - (float)x0;
    float top = map[y0 * w + x0] * (1 - fx) + map[y0 * w + x1] * fx;
    float bottom = map[y1 * w + x0] * (1 - fx) + map[y1 * w + x1] * fx;
    return top * (1 - fy) + bottom * fy;
}

bool lrp_gradcam(const float *a, const float *g, int n, int c, int h, int w, int in_c,
                 int out_h, int out_w, float *out)
{
    size_t hw = (size_t)h * (size_t)w, out_hw = (size_t)out_h * (size_t)out_w;
    float *cam = malloc((hw ? hw : 1) * sizeof *cam);
    if (!cam)
        return false;
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
        for (int y = 0; y < out_h; y++)
            for (int x = 0; x < out_w; x++) {
                float v = lrp_bilinear_sample(cam, h, w, out_h, out_w, y, x) / (float)in_c;
                for (int ch = 0; ch < in_c; ch++)
                    oi[(size_t)ch * out_hw + (size_t)y * out_w + x] = v;
            }
    }
    free(cam);
    return true;
}
