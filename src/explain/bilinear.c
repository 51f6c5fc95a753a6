/* Separable bilinear resizing (see explain/bilinear.h). Each output is
 * top (1 - fy) + bottom fy with top and bottom the row-resized values of
 * input rows i0 and i1: the same operations, in the same order, as sampling
 * each output pixel from the four inputs around it. */
#include "explain/bilinear.h"

#include <stddef.h>

void lrp_bilinear_axis(int n_in, int n_out, lrp_lerp *taps)
{
    for (int i = 0; i < n_out; i++) {
        float s = ((float)i + 0.5f) * (float)n_in / (float)n_out - 0.5f;
        s = s < 0.0f ? 0.0f : s;
        int i0 = (int)s;
        taps[i] = (lrp_lerp){.i0 = i0, .i1 = i0 + 1 < n_in ? i0 + 1 : i0, .f = s - (float)i0};
    }
}

void lrp_bilinear_resize(const float *map, int h, int w, const lrp_lerp *ty, int out_h,
                         const lrp_lerp *tx, int out_w, float *rows, float *out)
{
    for (int r = 0; r < h; r++) { /* rows (h, out_w): each input row resized */
        const float *m = map + (size_t)r * w;
        float *row = rows + (size_t)r * out_w;
        for (int x = 0; x < out_w; x++)
            row[x] = m[tx[x].i0] * (1 - tx[x].f) + m[tx[x].i1] * tx[x].f;
    }
    for (int y = 0; y < out_h; y++) {
        const float *top = rows + (size_t)ty[y].i0 * out_w;
        const float *bottom = rows + (size_t)ty[y].i1 * out_w;
        float fy = ty[y].f, gy = 1 - fy;
        float *o = out + (size_t)y * out_w;
        for (int x = 0; x < out_w; x++)
            o[x] = top[x] * gy + bottom[x] * fy;
    }
}
