/* The public heatmap and overlay rendering over io/heatmap.c and io/png.c:
 * the steps `onnx-lrp explain` takes for its pictures, in one place. */
#include <stdlib.h>

#include "api/render.h"
#include "io/png.h"
#include "util/error.h"
#include "util/name_list.h"

void lrp_heatmap_style_init(lrp_heatmap_style *s)
{
    *s = (lrp_heatmap_style){.cmap = "bwr", .quantize = 0, .positive_only = 0, .alpha = 0.6};
}

void lrp_quantize_heat(float *map, size_t n, int levels)
{
    lrp_heat_quantize(map, n, levels);
}

/* (C, H, W) or (1, C, H, W): *c, *h, *w; the colormap; checked values. */
static lrp_status check(const lrp_array *r, const lrp_heatmap_style *s, int *c, int *h, int *w,
                        lrp_colormap *cmap, lrp_error *err)
{
    int base = r->rank == 4 ? 1 : 0;
    if ((r->rank != 3 && !(r->rank == 4 && r->dims[0] == 1)) || !r->data)
        return lrp_error_set(err, LRP_ERR_SHAPE,
                             "heatmap: the relevance must be (C, H, W) or "
                             "(1, C, H, W), got rank %d",
                             r->rank);
    for (int i = base; i < r->rank; i++)
        if (r->dims[i] < 1 || r->dims[i] > 65536)
            return lrp_error_set(err, LRP_ERR_SHAPE,
                                 "heatmap: dimension %d of the relevance "
                                 "is %lld",
                                 i, (long long)r->dims[i]);
    *c = (int)r->dims[base];
    *h = (int)r->dims[base + 1];
    *w = (int)r->dims[base + 2];
    int k = lrp_colormap_from_name(s->cmap ? s->cmap : "bwr");
    char names[128];
    if (k < 0)
        return lrp_error_set(err, LRP_ERR_ARG, "heatmap: unknown colormap '%s' (%s)", s->cmap,
                             lrp_name_list(names, sizeof names, lrp_colormap_name));
    *cmap = (lrp_colormap)k;
    if (s->quantize != 0 && (s->quantize < 2 || s->quantize > 256))
        return lrp_error_set(err, LRP_ERR_ARG,
                             "heatmap: quantize %d: 0 (off) or 2 to 256 "
                             "levels",
                             s->quantize);
    if (!(s->alpha >= 0 && s->alpha <= 1))
        return lrp_error_set(err, LRP_ERR_ARG, "overlay: alpha %g is not in [0, 1]", s->alpha);
    return LRP_OK;
}

lrp_status lrp_render_pictures(const float *chw, int c, int h, int w, lrp_colormap cmap,
                               int quantize, bool positive_only, float alpha,
                               const float *display_hwc, uint8_t *heat, uint8_t *over,
                               lrp_error *err)
{
    size_t hw = (size_t)h * (size_t)w;
    float *map = malloc(hw * sizeof *map), *strength = malloc(hw * sizeof *strength);
    lrp_status st = LRP_OK;
    if (map && strength) {
        lrp_channel_sum(chw, c, h, w, map);
        if (quantize)
            lrp_heat_quantize(map, hw, quantize);
        lrp_heatmap_rgb(map, h, w, cmap, positive_only, heat);
        if (over) {
            lrp_heat_strength(map, hw, positive_only, strength);
            lrp_overlay_rgb(heat, strength, display_hwc, h, w, alpha, over);
        }
    } else {
        st = lrp_error_set(err, LRP_ERR_NOMEM, "out of memory for a %dx%d heatmap", h, w);
    }
    free(map);
    free(strength);
    return st;
}

/* heat (h, w, 3) and, when over is not NULL, the overlay on display. */
static lrp_status render(const lrp_array *r, const lrp_array *display,
                         const lrp_heatmap_style *s, uint8_t *heat, uint8_t *over,
                         lrp_error *err)
{
    int c = 0, h = 0, w = 0;
    lrp_colormap cmap = LRP_CMAP_BWR;
    lrp_status st = check(r, s, &c, &h, &w, &cmap, err);
    if (st)
        return st;
    if (over && (display->rank != 3 || display->dims[0] != h || display->dims[1] != w ||
                 display->dims[2] != 3 || !display->data))
        return lrp_error_set(err, LRP_ERR_SHAPE,
                             "overlay: the image must be (%d, %d, 3) like "
                             "the relevance",
                             h, w);
    return lrp_render_pictures(r->data, c, h, w, cmap, s->quantize, s->positive_only != 0,
                               (float)s->alpha, over ? display->data : NULL, heat, over, err);
}

lrp_status lrp_render_heatmap(const lrp_array *relevance, const lrp_heatmap_style *style,
                              uint8_t *rgb, lrp_error *err)
{
    return render(relevance, NULL, style, rgb, NULL, err);
}

lrp_status lrp_render_overlay(const lrp_array *relevance, const lrp_array *display,
                              const lrp_heatmap_style *style, uint8_t *rgb, lrp_error *err)
{
    int c = 0, h = 0, w = 0;
    lrp_colormap cmap = LRP_CMAP_BWR;
    lrp_status st = check(relevance, style, &c, &h, &w, &cmap, err);
    if (st)
        return st;
    uint8_t *heat = malloc((size_t)h * (size_t)w * 3);
    st = heat ? render(relevance, display, style, heat, rgb, err)
              : lrp_error_set(err, LRP_ERR_NOMEM, "out of memory for a %dx%d overlay", h, w);
    free(heat);
    return st;
}

lrp_status lrp_png_save(const char *path, const uint8_t *pixels, int width, int height,
                        int channels, lrp_error *err)
{
    return lrp_png_write(path, pixels, width, height, channels, err);
}
