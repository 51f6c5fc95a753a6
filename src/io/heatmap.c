/* Heatmap rendering: colormaps are piecewise-linear RGB stops over [0,1],
 * relevance is scaled symmetrically so that 0 always lands mid-map. */
#include "io/heatmap.h"

#include <math.h>
#include <string.h>

typedef struct cmap_stop {
    float x, r, g, b;
} cmap_stop;

/* clang-format off */
static const cmap_stop bwr[] = {
    { 0.0f, 0, 0, 1 }, { 0.5f, 1, 1, 1 }, { 1.0f, 1, 0, 0 },
};
static const cmap_stop coldnhot[] = {
    { 0.0f, 0, 1, 1 }, { 0.25f, 0, 0, 1 }, { 0.5f, 0, 0, 0 },
    { 2.0f / 3, 1, 0, 0 }, { 5.0f / 6, 1, 1, 0 }, { 1.0f, 1, 1, 1 },
};
static const cmap_stop seismic[] = {
    { 0.0f, 0, 0, 0.3f }, { 0.25f, 0, 0, 1 }, { 0.5f, 1, 1, 1 },
    { 0.75f, 1, 0, 0 }, { 1.0f, 0.5f, 0, 0 },
};
/* matplotlib's jet is given per channel (red: 0.35 -> 0, 0.66 -> 1, 0.89 -> 1,
 * 1 -> 0.5; green: 0.125 -> 0, 0.375 -> 1, 0.64 -> 1, 0.91 -> 0; blue: 0 ->
 * 0.5, 0.11 -> 1, 0.34 -> 1, 0.65 -> 0); these stops are every channel's
 * breakpoints together, each channel evaluated there, so the map is exact. */
static const cmap_stop jet[] = {
    { 0.0f, 0, 0, 0.5f },
    { 0.11f, 0, 0, 1 },
    { 0.125f, 0, 0, 1 },
    { 0.34f, 0, 0.215f / 0.25f, 1 },
    { 0.35f, 0, 0.225f / 0.25f, 1 - 0.01f / 0.31f },
    { 0.375f, 0.025f / 0.31f, 1, 1 - 0.035f / 0.31f },
    { 0.64f, 0.29f / 0.31f, 1, 1 - 0.30f / 0.31f },
    { 0.65f, 0.30f / 0.31f, 1 - 0.01f / 0.27f, 0 },
    { 0.66f, 1, 1 - 0.02f / 0.27f, 0 },
    { 0.89f, 1, 1 - 0.25f / 0.27f, 0 },
    { 0.91f, 1 - 0.5f * 0.02f / 0.11f, 0, 0 },
    { 1.0f, 0.5f, 0, 0 },
};
static const cmap_stop gray[] = {
    { 0.0f, 0, 0, 0 }, { 1.0f, 1, 1, 1 },
};

#define STOPS(a) a, (int)(sizeof a / sizeof a[0])

static const struct {
    const char *name;
    const cmap_stop *stops;
    int n;
} cmaps[LRP_CMAP_COUNT] = {
    [LRP_CMAP_BWR] = { "bwr", STOPS(bwr) },
    [LRP_CMAP_COLDNHOT] = { "coldnhot", STOPS(coldnhot) },
    [LRP_CMAP_SEISMIC] = { "seismic", STOPS(seismic) },
    [LRP_CMAP_JET] = { "jet", STOPS(jet) },
    [LRP_CMAP_GRAY] = { "gray", STOPS(gray) },
};
/* clang-format on */

int lrp_colormap_from_name(const char *name)
{
    for (int i = 0; name && i < LRP_CMAP_COUNT; i++)
        if (strcmp(name, cmaps[i].name) == 0)
            return i;
    return -1;
}

const char *lrp_colormap_name(int i)
{
    return i >= 0 && i < LRP_CMAP_COUNT ? cmaps[i].name : NULL;
}

void lrp_channel_sum(const float *chw, int c, int h, int w, float *hw)
{
    size_t n = (size_t)h * (size_t)w;
    memset(hw, 0, n * sizeof *hw);
    for (int k = 0; k < c; k++)
        for (size_t i = 0; i < n; i++)
            hw[i] += chw[(size_t)k * n + i];
}

/* ------------------------------------------------------------- quantize */

/* Edge b_i, computed as method §6 writes it. */
static double edge(double m, double range, int i, int levels)
{
    return m + i * range / (levels - 1);
}

void lrp_heat_quantize(float *map, size_t n, int levels)
{
    if (n == 0 || levels < 2)
        return;
    float m = INFINITY, big = -INFINITY; /* NaNs take part in neither */
    for (size_t i = 0; i < n; i++) {
        m = map[i] < m ? map[i] : m;
        big = map[i] > big ? map[i] : big;
    }
    double range = (double)big - m;
    if (!(big > m) || !isfinite(range))
        return;
    for (size_t i = 0; i < n; i++) {
        if (map[i] == big || isnan(map[i]))
            continue;
        /* a first guess from the division, then corrected against the
           edges themselves so that rounding never moves a boundary value */
        int k = (int)floor((map[i] - (double)m) / range * (levels - 1));
        k = k < 0 ? 0 : k > levels - 2 ? levels - 2 : k;
        while (k < levels - 2 && map[i] >= edge(m, range, k + 1, levels))
            k++;
        while (k > 0 && map[i] < edge(m, range, k, levels))
            k--;
        map[i] = (float)edge(m, range, k, levels);
    }
}

/* -------------------------------------------------------------- colors */

static uint8_t to_byte(double c)
{
    c = c < 0 ? 0 : c > 1 ? 1 : c;
    return (uint8_t)(int)(c * 255 + 0.5);
}

/* cmap(t) for t in [0,1], linear between the stops around t. */
static void cmap_color(lrp_colormap cmap, double t, uint8_t *rgb)
{
    const cmap_stop *s = cmaps[cmap].stops;
    int i = 0, last = cmaps[cmap].n - 1;
    t = isnan(t) ? 0.5 : t < 0 ? 0 : t > 1 ? 1 : t;
    while (i < last - 1 && t > s[i + 1].x)
        i++;
    double f = (t - s[i].x) / (s[i + 1].x - s[i].x);
    f = f < 0 ? 0 : f > 1 ? 1 : f;
    rgb[0] = to_byte(s[i].r + f * (s[i + 1].r - s[i].r));
    rgb[1] = to_byte(s[i].g + f * (s[i + 1].g - s[i].g));
    rgb[2] = to_byte(s[i].b + f * (s[i + 1].b - s[i].b));
}

void lrp_heatmap_rgb(const float *map, int h, int w, lrp_colormap cmap, bool positive_only,
                     uint8_t *rgb)
{
    size_t n = (size_t)h * (size_t)w;
    float scale = 0.0f;
    if ((int)cmap < 0 || cmap >= LRP_CMAP_COUNT)
        cmap = LRP_CMAP_BWR;
    for (size_t i = 0; i < n; i++) {
        float r = positive_only && !(map[i] > 0) ? 0.0f : map[i];
        scale = fabsf(r) > scale ? fabsf(r) : scale;
    }
    for (size_t i = 0; i < n; i++) {
        float r = positive_only && !(map[i] > 0) ? 0.0f : map[i];
        double v = scale > 0 ? (double)r / scale : 0.0;
        cmap_color(cmap, (v + 1) / 2, rgb + 3 * i);
    }
}

void lrp_heat_strength(const float *map, size_t n, bool positive_only, float *strength)
{
    float top = 0.0f;
    for (size_t i = 0; i < n; i++) {
        float v = positive_only ? map[i] : fabsf(map[i]);
        top = v > top ? v : top;
    }
    for (size_t i = 0; i < n; i++) {
        float v = positive_only ? (map[i] > 0.0f ? map[i] : 0.0f) : fabsf(map[i]);
        strength[i] = top > 0.0f ? v / top : 0.0f;
    }
}

void lrp_overlay_rgb(const uint8_t *heat_rgb, const float *strength, const float *image_hwc,
                     int h, int w, float alpha, uint8_t *rgb)
{
    size_t n = (size_t)h * (size_t)w;
    double alpha01 = alpha < 0 ? 0 : alpha > 1 ? 1 : alpha;
    for (size_t p = 0; p < n; p++) {
        double a = alpha01 * (strength ? strength[p] : 1.0);
        for (size_t c = 0; c < 3; c++)
            rgb[p * 3 + c] = to_byte((1 - a) * image_hwc[p * 3 + c] +
                                     a * (heat_rgb[p * 3 + c] / 255.0));
    }
}
