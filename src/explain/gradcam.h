/* Grad-CAM (Selvaraju et al. 2017) from an activation A and the gradient G
 * of the target at A, as a map at the input resolution. */
#ifndef LRP_EXPLAIN_GRADCAM_H
#define LRP_EXPLAIN_GRADCAM_H

#include <stdbool.h>
#include <stddef.h>

/* A, G: (n, c, h, w). For each image, alpha_k = mean over (h, w) of G_k,
 * cam = ReLU(sum_k alpha_k A_k), upsampled bilinearly (half-pixel centers,
 * as torch's interpolate with align_corners=False) to (out_h, out_w) and
 * spread evenly over in_c channels: out (n, in_c, out_h, out_w), so that its
 * channel sum is the map. false when out of memory. */
bool lrp_gradcam(const float *a, const float *g, int n, int c, int h, int w, int in_c,
                 int out_h, int out_w, float *out);

#endif
