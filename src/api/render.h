/* The one place a relevance map becomes the heatmap and overlay pictures:
 * the public lrp_render_* functions and the CLI's image jobs call it. */
#ifndef LRP_API_RENDER_H
#define LRP_API_RENDER_H

#include <stdbool.h>
#include <stdint.h>

#include "io/heatmap.h"
#include "lrp.h"

/* chw (c, h, w) relevance to heat (h, w, 3): the channel sum, quantized
 * into 'quantize' levels (0: not), through cmap. over (NULL to skip) gets
 * heat over display_hwc (h, w, 3) in [0,1], blended by alpha times the
 * relevance's strength. Fails only when out of memory. */
lrp_status lrp_render_pictures(const float *chw, int c, int h, int w, lrp_colormap cmap,
                               int quantize, bool positive_only, float alpha,
                               const float *display_hwc, uint8_t *heat, uint8_t *over,
                               lrp_error *err);

#endif
