/* Convolution as im2col + sgemm, and its transpose as sgemm + col2im, split
 * into tasks for the worker pool. The tiling of one image's GEMM depends on
 * its shape alone, never on the thread count, so every thread count gives
 * the same bits (OpenBLAS rounds a product differently when it is cut
 * differently). */
#include "ops/conv.h"

#include <string.h>

#include "blas/gemm.h"

enum {
    TILE_MIN = 64,          /* rows or columns per tile, at least */
    TILE_MAX = 8,           /* tiles per GEMM, at most */
    SPLIT_MACS = 1 << 21,   /* smaller GEMMs stay whole */
};

static bool is_pointwise(const lrp_conv_shape *s)
{
    const lrp_geom *g = &s->g;
    return g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->pad_t == 0 &&
           g->pad_l == 0 && g->out_h == g->in_h && g->out_w == g->in_w;
}

size_t lrp_conv_scratch_floats(const lrp_conv_shape *s)
{
    if (is_pointwise(s))
        return 0;
    /* grouped convs run their groups in parallel, each with its own columns */
    int64_t channels = s->group > 1 ? s->c_in : s->c_in / s->group;
    return (size_t)(channels * s->g.kh * s->g.kw) * (size_t)(s->g.out_h * s->g.out_w);
}

/* Tiles of at least 'least' along a dimension of 'extent', for a GEMM of
 * 'macs' multiply-adds. */
static int tile_count(int64_t extent, int64_t least, int64_t macs)
{
    if (macs < SPLIT_MACS)
        return 1;
    int64_t t = extent / least;
    return t < 1 ? 1 : t > TILE_MAX ? TILE_MAX : (int)t;
}

/* Start of tile t of 'tiles' over [0, extent), a multiple of 'align'. */
static int64_t tile_start(int64_t extent, int t, int tiles, int64_t align)
{
    return t == tiles ? extent : extent * t / tiles / align * align;
}

/* ceil(a / b) for b > 0 and any sign of a. */
static int64_t ceil_div(int64_t a, int64_t b)
{
    return a >= 0 ? (a + b - 1) / b : -(-a / b);
}

/* The output columns [lo, hi) of one kernel column j whose input column
 * ow * sw - pad_l + j * dw lies inside the image, clipped to [ow0, ow1). */
static void valid_cols(const lrp_geom *g, int64_t j, int64_t ow0, int64_t ow1, int64_t *lo,
                       int64_t *hi)
{
    int64_t off = j * g->dw - g->pad_l;
    int64_t a = ceil_div(-off, g->sw), b = ceil_div(g->in_w - off, g->sw);
    *lo = a < ow0 ? ow0 : a > ow1 ? ow1 : a;
    *hi = b > ow1 ? ow1 : b < *lo ? *lo : b;
}

/* Columns [n0, n1) of col (C*kH*kW, OH*OW) from x (C, H, W), zero padding.
 * Walks output rows so that the inner loop is a copy without branches. */
static void im2col(const lrp_geom *g, int64_t channels, const float *x, float *col,
                   int64_t n0, int64_t n1)
{
    const int64_t ohw = g->out_h * g->out_w;
    for (int64_t c = 0; c < channels; c++)
        for (int64_t i = 0; i < g->kh; i++)
            for (int64_t j = 0; j < g->kw; j++) {
                float *row = col + ((c * g->kh + i) * g->kw + j) * ohw;
                const float *plane = x + c * g->in_h * g->in_w;
                for (int64_t p = n0; p < n1;) {
                    int64_t oh = p / g->out_w, ow0 = p % g->out_w;
                    int64_t ow1 = ow0 + (n1 - p) < g->out_w ? ow0 + (n1 - p) : g->out_w;
                    float *dst = row + oh * g->out_w;
                    int64_t h = oh * g->sh - g->pad_t + i * g->dh, lo = ow0, hi = ow0;
                    if (h >= 0 && h < g->in_h)
                        valid_cols(g, j, ow0, ow1, &lo, &hi);
                    /* input column of output column ow: ow * sw + off */
                    int64_t off = j * g->dw - g->pad_l, base = h * g->in_w + off;
                    for (int64_t ow = ow0; ow < lo; ow++)
                        dst[ow] = 0.0f;
                    if (g->sw == 1 && hi > lo)
                        memcpy(dst + lo, plane + base + lo, sizeof *dst * (size_t)(hi - lo));
                    else
                        for (int64_t ow = lo; ow < hi; ow++)
                            dst[ow] = plane[base + ow * g->sw];
                    for (int64_t ow = hi; ow < ow1; ow++)
                        dst[ow] = 0.0f;
                    p += ow1 - ow0;
                }
            }
}

/* x (C, H, W) += col2im(col); the adjoint of im2col. */
static void col2im_add(const lrp_geom *g, int64_t channels, const float *col, float *x)
{
    const int64_t ohw = g->out_h * g->out_w;
    for (int64_t c = 0; c < channels; c++)
        for (int64_t i = 0; i < g->kh; i++)
            for (int64_t j = 0; j < g->kw; j++) {
                const float *row = col + ((c * g->kh + i) * g->kw + j) * ohw;
                float *plane = x + c * g->in_h * g->in_w;
                int64_t lo, hi;
                valid_cols(g, j, 0, g->out_w, &lo, &hi);
                for (int64_t oh = 0; oh < g->out_h; oh++) {
                    int64_t h = oh * g->sh - g->pad_t + i * g->dh;
                    if (h < 0 || h >= g->in_h)
                        continue;
                    int64_t base = h * g->in_w + j * g->dw - g->pad_l;
                    const float *src = row + oh * g->out_w;
                    for (int64_t ow = lo; ow < hi; ow++)
                        plane[base + ow * g->sw] += src[ow];
                }
            }
}

/* One image of a convolution, shared by its tasks. */
typedef struct conv_job {
    const lrp_conv_shape *s;
    int64_t cg, mg, k, kk, ohw, hw; /* channels and outputs per group, GEMM depth, kH*kW */
    bool direct;                    /* pointwise: x itself is the column matrix */
    const float *x, *w, *b;         /* forward: x (C,H,W), y (M,OH,OW) of this image */
    float *y;
    const float *dy;                /* backward: dy (M,OH,OW), dx (C,H,W) */
    float *dx;
    float *col;
    int tiles;
} conv_job;

static void fill_bias(const conv_job *j, int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    for (int64_t m = m0; m < m1; m++) {
        float v = j->b ? j->b[m] : 0.0f, *row = j->y + m * j->ohw;
        for (int64_t p = n0; p < n1; p++)
            row[p] = v;
    }
}

/* Group gi whole: its columns, then y_g (M/g, OHW) += W_g · col_g. */
static void forward_group(void *ctx, int gi)
{
    const conv_job *j = ctx;
    const float *xg = j->x + gi * j->cg * j->hw;
    float *col = j->direct ? (float *)xg : j->col + gi * j->k * j->ohw;
    if (!j->direct)
        im2col(&j->s->g, j->cg, xg, col, 0, j->ohw);
    fill_bias(j, gi * j->mg, (gi + 1) * j->mg, 0, j->ohw);
    lrp_sgemm(false, false, (int)j->mg, (int)j->ohw, (int)j->k, 1.0f, j->w + gi * j->mg * j->k,
              (int)j->k, col, (int)j->ohw, 1.0f, j->y + gi * j->mg * j->ohw, (int)j->ohw);
}

/* Output columns of tile t: their im2col columns, then y[:, n0:n1]. */
static void forward_cols(void *ctx, int t)
{
    const conv_job *j = ctx;
    int64_t n0 = tile_start(j->ohw, t, j->tiles, 16), n1 = tile_start(j->ohw, t + 1, j->tiles, 16);
    const float *col = j->direct ? j->x : j->col;
    if (!j->direct)
        im2col(&j->s->g, j->cg, j->x, j->col, n0, n1);
    fill_bias(j, 0, j->mg, n0, n1);
    lrp_sgemm(false, false, (int)j->mg, (int)(n1 - n0), (int)j->k, 1.0f, j->w, (int)j->k,
              col + n0, (int)j->ohw, 1.0f, j->y + n0, (int)j->ohw);
}

/* im2col of the input channels of tile t. */
static void im2col_channels(void *ctx, int t)
{
    const conv_job *j = ctx;
    int64_t c0 = tile_start(j->cg, t, j->tiles, 1), c1 = tile_start(j->cg, t + 1, j->tiles, 1);
    im2col(&j->s->g, c1 - c0, j->x + c0 * j->hw, j->col + c0 * j->kk * j->ohw, 0, j->ohw);
}

/* Output channels of tile t: y[m0:m1, :] = W[m0:m1, :] · col. */
static void forward_rows(void *ctx, int t)
{
    const conv_job *j = ctx;
    int64_t m0 = tile_start(j->mg, t, j->tiles, 8), m1 = tile_start(j->mg, t + 1, j->tiles, 8);
    fill_bias(j, m0, m1, 0, j->ohw);
    lrp_sgemm(false, false, (int)(m1 - m0), (int)j->ohw, (int)j->k, 1.0f, j->w + m0 * j->k,
              (int)j->k, j->direct ? j->x : j->col, (int)j->ohw, 1.0f, j->y + m0 * j->ohw,
              (int)j->ohw);
}

static void job_init(conv_job *j, const lrp_conv_shape *s, float *scratch)
{
    memset(j, 0, sizeof *j);
    j->s = s;
    j->cg = s->c_in / s->group;
    j->mg = s->c_out / s->group;
    j->kk = s->g.kh * s->g.kw;
    j->k = j->cg * j->kk;
    j->ohw = s->g.out_h * s->g.out_w;
    j->hw = s->g.in_h * s->g.in_w;
    j->direct = is_pointwise(s);
    j->col = scratch;
}

void lrp_conv_forward(const lrp_conv_shape *s, const float *x, const float *w,
                      const float *b, float *y, float *scratch, lrp_pool *pool)
{
    conv_job j;
    job_init(&j, s, scratch);
    j.w = w;
    j.b = b;
    int64_t macs = j.mg * j.ohw * j.k;
    for (int64_t i = 0; i < s->n; i++) {
        j.x = x + i * s->c_in * j.hw;
        j.y = y + i * s->c_out * j.ohw;
        if (s->group > 1) {
            lrp_pool_run(pool, (int)s->group, forward_group, &j);
        } else if (j.ohw >= j.mg) {
            j.tiles = tile_count(j.ohw, TILE_MIN, macs);
            lrp_pool_run(pool, j.tiles, forward_cols, &j);
        } else {
            if (!j.direct) {
                j.tiles = tile_count(j.cg, 1, macs);
                lrp_pool_run(pool, j.tiles, im2col_channels, &j);
            }
            j.tiles = tile_count(j.mg, TILE_MIN, macs);
            lrp_pool_run(pool, j.tiles, forward_rows, &j);
        }
    }
}

/* Group gi: col_g (K, OHW) = W_gᵀ dy_g, then dx_g += col2im(col_g). */
static void backward_group(void *ctx, int gi)
{
    const conv_job *j = ctx;
    float *dxg = j->dx + gi * j->cg * j->hw;
    float *col = j->direct ? dxg : j->col + gi * j->k * j->ohw;
    lrp_sgemm(true, false, (int)j->k, (int)j->ohw, (int)j->mg, 1.0f, j->w + gi * j->mg * j->k,
              (int)j->k, j->dy + gi * j->mg * j->ohw, (int)j->ohw, j->direct ? 1.0f : 0.0f, col,
              (int)j->ohw);
    if (!j->direct)
        col2im_add(&j->s->g, j->cg, col, dxg);
}

/* Input channels [c0, c1) of tile t: their rows of Wᵀ dy, folded back
 * into their planes of dx (other tiles never touch these planes). */
static void backward_channels(void *ctx, int t)
{
    const conv_job *j = ctx;
    int64_t c0 = tile_start(j->cg, t, j->tiles, 1), c1 = tile_start(j->cg, t + 1, j->tiles, 1);
    int64_t r0 = c0 * j->kk, r1 = c1 * j->kk;
    float *dx = j->dx + c0 * j->hw, *col = j->direct ? dx : j->col + r0 * j->ohw;
    lrp_sgemm(true, false, (int)(r1 - r0), (int)j->ohw, (int)j->mg, 1.0f, j->w + r0, (int)j->k,
              j->dy, (int)j->ohw, j->direct ? 1.0f : 0.0f, col, (int)j->ohw);
    if (!j->direct)
        col2im_add(&j->s->g, c1 - c0, col, dx);
}

/* Few input channels (the stem): columns of col = Wᵀ dy by tile, ... */
static void backward_cols(void *ctx, int t)
{
    const conv_job *j = ctx;
    int64_t n0 = tile_start(j->ohw, t, j->tiles, 16), n1 = tile_start(j->ohw, t + 1, j->tiles, 16);
    float *col = j->direct ? j->dx : j->col;
    lrp_sgemm(true, false, (int)j->k, (int)(n1 - n0), (int)j->mg, 1.0f, j->w, (int)j->k,
              j->dy + n0, (int)j->ohw, j->direct ? 1.0f : 0.0f, col + n0, (int)j->ohw);
}

/* ... then col2im channel by channel. */
static void col2im_channel(void *ctx, int c)
{
    const conv_job *j = ctx;
    col2im_add(&j->s->g, 1, j->col + c * j->kk * j->ohw, j->dx + c * j->hw);
}

void lrp_conv_backward_add(const lrp_conv_shape *s, const float *dy, const float *w,
                           float *dx, float *scratch, lrp_pool *pool)
{
    conv_job j;
    job_init(&j, s, scratch);
    j.w = w;
    int64_t macs = j.mg * j.ohw * j.k;
    for (int64_t i = 0; i < s->n; i++) {
        j.dy = dy + i * s->c_out * j.ohw;
        j.dx = dx + i * s->c_in * j.hw;
        if (s->group > 1) {
            lrp_pool_run(pool, (int)s->group, backward_group, &j);
        } else if (j.cg >= 2 * TILE_MAX) {
            j.tiles = tile_count(j.cg, 2, macs);
            lrp_pool_run(pool, j.tiles, backward_channels, &j);
        } else {
            j.tiles = tile_count(j.ohw, TILE_MIN, macs);
            lrp_pool_run(pool, j.tiles, backward_cols, &j);
            if (!j.direct)
                lrp_pool_run(pool, (int)j.cg, col2im_channel, &j);
        }
    }
}
