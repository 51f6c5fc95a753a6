/* Relevance maps to pictures: channel sums, the paper's heat quantization
 * (method §6), colormaps and overlays on the input image. */
#ifndef LRP_IO_HEATMAP_H
#define LRP_IO_HEATMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum lrp_colormap {
    LRP_CMAP_BWR,      /* blue - white - red (the default) */
    LRP_CMAP_COLDNHOT, /* zennit's: cyan - blue - black - red - yellow - white */
    LRP_CMAP_SEISMIC,  /* dark blue - blue - white - red - dark red */
    LRP_CMAP_JET,      /* matplotlib's jet */
    LRP_CMAP_GRAY,     /* black - white */
    LRP_CMAP_COUNT
} lrp_colormap;

/* The colormap called 'name' (e.g. "bwr"), or -1 when unknown. */
int lrp_colormap_from_name(const char *name);
/* Colormap i's name ("bwr" for LRP_CMAP_BWR), NULL unless 0 <= i <
 * LRP_CMAP_COUNT: lrp_name_list(buf, size, lrp_colormap_name) lists them. */
const char *lrp_colormap_name(int i);

/* hw (h, w) = the sum over c of chw (c, h, w). */
void lrp_channel_sum(const float *chw, int c, int h, int w, float *hw);

/* In place, method §6: with m = min, M = max and edges
 * b_i = m + i (M - m) / (L - 1), i = 0..L-2, a value in [b_i, b_{i+1})
 * becomes b_i and a value equal to M stays M. Unchanged when M == m or
 * levels < 2. */
void lrp_heat_quantize(float *map, size_t n, int levels);

/* rgb (h, w, 3) = cmap((v + 1) / 2) with v = R / max|R| in [-1, 1] (all
 * zero: v = 0). positive_only: R <= 0 is drawn as 0. */
void lrp_heatmap_rgb(const float *map, int h, int w, lrp_colormap cmap, bool positive_only,
                     uint8_t *rgb);

/* strength (n) = |R| / max|R| in [0, 1] (positive_only: R / max R where
 * R > 0, else 0); all zero when the map is. */
void lrp_heat_strength(const float *map, size_t n, bool positive_only, float *strength);

/* rgb (h, w, 3) = (1 - a) image + a heat with a = alpha * strength (h, w)
 * per pixel (strength NULL: 1), image_hwc (h, w, 3) in [0,1] and alpha
 * clamped to [0,1]: where relevance is small, the image shows through. */
void lrp_overlay_rgb(const uint8_t *heat_rgb, const float *strength, const float *image_hwc,
                     int h, int w, float alpha, uint8_t *rgb);

#endif /* LRP_IO_HEATMAP_H */
