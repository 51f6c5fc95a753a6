/* Bilinear resizing with half-pixel centers and clamped edges (torch's
 * interpolate, mode='bilinear', align_corners=False), separably: a map is
 * resized along its rows, then along its columns, so that a batch of maps
 * of one size shares the taps of each axis. */
#ifndef LRP_EXPLAIN_BILINEAR_H
#define LRP_EXPLAIN_BILINEAR_H

/* Output i of an axis resized from n_in to n_out reads inputs i0 and i1 with
 * weights 1 - f and f. */
typedef struct lrp_lerp {
    int i0, i1;
    float f;
} lrp_lerp;

/* taps[0 .. n_out - 1] of an axis resized from n_in to n_out. */
void lrp_bilinear_axis(int n_in, int n_out, lrp_lerp *taps);

/* out (out_h, out_w) = map (h, w) at the output pixels whose taps are
 * ty[0 .. out_h - 1] and tx[0 .. out_w - 1] (a window of a larger resize
 * is its taps offset); rows: scratch of h * out_w floats. */
void lrp_bilinear_resize(const float *map, int h, int w, const lrp_lerp *ty, int out_h,
                         const lrp_lerp *tx, int out_w, float *rows, float *out);

#endif
