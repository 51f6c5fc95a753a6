/* Convolution as im2col + sgemm, and its transpose as sgemm + col2im, split
 * into tasks for the worker pool: up to 8 images at once, each image's GEMM
 * cut into tiles. Those cuts depend on the shapes and the batch size alone,
 * never on the thread count, so every thread count gives the same bits
 * (OpenBLAS rounds a product differently when it is cut differently; a
 * batch may therefore round differently from its images one by one). */
#include "ops/conv.h"

#include <math.h>
#include <string.h>

#include "blas/gemm.h"
#include "ops/conv_dnnl.h"

enum {
    TILE_MIN = 64,        /* rows or columns per tile, at least */
    TILE_MAX = 8,         /* tiles per GEMM, at most */
    SPLIT_MACS = 1 << 21, /* smaller GEMMs stay whole */
};

static bool is_pointwise(const lrp_conv_shape *s)
{
    const lrp_geom *g = &s->g;
    return g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->pad_t == 0 &&
           g->pad_l == 0 && g->out_h == g->in_h && g->out_w == g->in_w;
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
static void im2col(const lrp_geom *g, int64_t channels, const float *x, float *col, int64_t n0,
                   int64_t n1)
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

/* dst[k sw] += src[k], k in [0, n): strides 1 and 2 (ResNet's) as loops of
 * a constant stride, which the compiler vectorizes. */
static void add_strided(float *restrict dst, const float *restrict src, int64_t n, int64_t sw)
{
    if (sw == 1)
        for (int64_t k = 0; k < n; k++)
            dst[k] += src[k];
    else if (sw == 2)
        for (int64_t k = 0; k < n; k++)
            dst[2 * k] += src[k];
    else
        for (int64_t k = 0; k < n; k++)
            dst[k * sw] += src[k];
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
                    add_strided(plane + base + lo * g->sw, row + oh * g->out_w + lo, hi - lo,
                                g->sw);
                }
            }
}

/* Images of one round: up to TILE_MAX images run at once, each in its own
 * slot of the scratch; each image's GEMM is cut into 'tiles' pieces. Both
 * counts depend on the batch size and shapes only. */
static int64_t round_images(const lrp_conv_shape *s)
{
    return s->n < TILE_MAX ? s->n : TILE_MAX;
}

/* Per image: tiles of a GEMM that one image alone would cut into 'tiles',
 * fewer when the round has more images to share the threads. */
static int per_image(int tiles, int64_t images)
{
    int t = (int)(tiles / images);
    return t < 1 ? 1 : t;
}

/* The columns of one image: all groups' for grouped convs, run in parallel. */
static size_t col_floats(const lrp_conv_shape *s)
{
    int64_t channels = s->group > 1 ? s->c_in : s->c_in / s->group;
    return (size_t)(channels * s->g.kh * s->g.kw) * (size_t)(s->g.out_h * s->g.out_w);
}

size_t lrp_conv_scratch_floats(const lrp_conv_shape *s)
{
    size_t im2col = is_pointwise(s) ? 0 : (size_t)round_images(s) * col_floats(s);
    size_t dnnl = lrp_dnnl_scratch_floats(s);
    return im2col > dnnl ? im2col : dnnl;
}

/* One round of a convolution, shared by its tasks. Task = slot * tiles + t. */
typedef struct conv_job {
    const lrp_conv_shape *s;
    int64_t cg, mg, k, kk, ohw, hw; /* channels and outputs per group, GEMM depth, kH*kW */
    bool direct;                    /* pointwise: x itself is the column matrix */
    const float *x, *w, *b;         /* forward: x (N,C,H,W) -> y (N,M,OH,OW) */
    float *y;
    const float *add; /* forward epilogue: y += add (N,M,OH,OW), then */
    bool relu;        /* y = max(y, 0) */
    const float *dy;  /* backward: dy (N,M,OH,OW) -> dx (N,C,H,W) */
    float *dx;
    float *col; /* round_images slots of col_floats */
    size_t col_floats;
    int64_t first; /* the round's first image */
    int tiles;     /* per image */
} conv_job;

/* What task 'task' works on: its image's tensors, its slot, its tile. */
typedef struct conv_view {
    const float *x, *dy, *add;
    float *y, *dx, *col;
    int t;
} conv_view;

static conv_view view_of(const conv_job *j, int task)
{
    const lrp_conv_shape *s = j->s;
    int64_t slot = task / j->tiles, image = j->first + slot;
    conv_view v = {.t = task % j->tiles, .col = j->col + (size_t)slot * j->col_floats};
    if (j->x) {
        v.x = j->x + image * s->c_in * j->hw;
        v.y = j->y + image * s->c_out * j->ohw;
        v.add = j->add ? j->add + image * s->c_out * j->ohw : NULL;
    } else {
        v.dy = j->dy + image * s->c_out * j->ohw;
        v.dx = j->dx + image * s->c_in * j->hw;
    }
    return v;
}

/* y[m0:m1, n0:n1] = b (+ the epilogue's add): the GEMM then adds W·col. */
static void fill_bias(const conv_job *j, const conv_view *v, int64_t m0, int64_t m1, int64_t n0,
                      int64_t n1)
{
    for (int64_t m = m0; m < m1; m++) {
        float b = j->b ? j->b[m] : 0.0f, *row = v->y + m * j->ohw;
        const float *add = v->add ? v->add + m * j->ohw : NULL;
        if (add)
            for (int64_t p = n0; p < n1; p++)
                row[p] = b + add[p];
        else
            for (int64_t p = n0; p < n1; p++)
                row[p] = b;
    }
}

/* The epilogue's ReLU on y[m0:m1, n0:n1], while the tile is in cache. */
static void clamp_tile(const conv_job *j, const conv_view *v, int64_t m0, int64_t m1,
                       int64_t n0, int64_t n1)
{
    if (!j->relu)
        return;
    for (int64_t m = m0; m < m1; m++) {
        float *row = v->y + m * j->ohw;
        for (int64_t p = n0; p < n1; p++)
            row[p] = row[p] > 0.0f ? row[p] : 0.0f;
    }
}

/* Group t whole: its columns, then y_g (M/g, OHW) += W_g · col_g. */
static void forward_group(void *ctx, int task)
{
    const conv_job *j = ctx;
    conv_view v = view_of(j, task);
    const float *xg = v.x + v.t * j->cg * j->hw;
    float *col = j->direct ? (float *)xg : v.col + v.t * j->k * j->ohw;
    if (!j->direct)
        im2col(&j->s->g, j->cg, xg, col, 0, j->ohw);
    fill_bias(j, &v, v.t * j->mg, (v.t + 1) * j->mg, 0, j->ohw);
    lrp_sgemm(false, false, (int)j->mg, (int)j->ohw, (int)j->k, 1.0f, j->w + v.t * j->mg * j->k,
              (int)j->k, col, (int)j->ohw, 1.0f, v.y + v.t * j->mg * j->ohw, (int)j->ohw);
    clamp_tile(j, &v, v.t * j->mg, (v.t + 1) * j->mg, 0, j->ohw);
}

/* Output columns of tile t: their im2col columns, then y[:, n0:n1]. */
static void forward_cols(void *ctx, int task)
{
    const conv_job *j = ctx;
    conv_view v = view_of(j, task);
    int64_t n0 = tile_start(j->ohw, v.t, j->tiles, 16);
    int64_t n1 = tile_start(j->ohw, v.t + 1, j->tiles, 16);
    const float *col = j->direct ? v.x : v.col;
    if (!j->direct)
        im2col(&j->s->g, j->cg, v.x, v.col, n0, n1);
    fill_bias(j, &v, 0, j->mg, n0, n1);
    lrp_sgemm(false, false, (int)j->mg, (int)(n1 - n0), (int)j->k, 1.0f, j->w, (int)j->k,
              col + n0, (int)j->ohw, 1.0f, v.y + n0, (int)j->ohw);
    clamp_tile(j, &v, 0, j->mg, n0, n1);
}

/* im2col of the input channels of tile t. */
static void im2col_channels(void *ctx, int task)
{
    const conv_job *j = ctx;
    conv_view v = view_of(j, task);
    int64_t c0 = tile_start(j->cg, v.t, j->tiles, 1),
            c1 = tile_start(j->cg, v.t + 1, j->tiles, 1);
    im2col(&j->s->g, c1 - c0, v.x + c0 * j->hw, v.col + c0 * j->kk * j->ohw, 0, j->ohw);
}

/* Output channels of tile t: y[m0:m1, :] = W[m0:m1, :] · col. */
static void forward_rows(void *ctx, int task)
{
    const conv_job *j = ctx;
    conv_view v = view_of(j, task);
    int64_t m0 = tile_start(j->mg, v.t, j->tiles, 8),
            m1 = tile_start(j->mg, v.t + 1, j->tiles, 8);
    fill_bias(j, &v, m0, m1, 0, j->ohw);
    lrp_sgemm(false, false, (int)(m1 - m0), (int)j->ohw, (int)j->k, 1.0f, j->w + m0 * j->k,
              (int)j->k, j->direct ? v.x : v.col, (int)j->ohw, 1.0f, v.y + m0 * j->ohw,
              (int)j->ohw);
    clamp_tile(j, &v, m0, m1, 0, j->ohw);
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
    j->col_floats = col_floats(s);
}

/* Runs fn on tiles per image for every image of the round. */
static void run_round(lrp_pool *pool, conv_job *j, int64_t images, int tiles, lrp_task_fn fn)
{
    j->tiles = tiles;
    lrp_pool_run(pool, (int)images * tiles, fn, j);
}

static void blas_forward(const lrp_conv_shape *s, const float *x, const float *w,
                         const float *b, float *y, const lrp_epilogue *epi, float *scratch,
                         lrp_pool *pool)
{
    conv_job j;
    job_init(&j, s, scratch);
    j.x = x;
    j.w = w;
    j.b = b;
    j.y = y;
    j.add = epi ? epi->add : NULL;
    j.relu = epi && epi->relu;
    int64_t macs = j.mg * j.ohw * j.k, step = round_images(s);
    for (j.first = 0; j.first < s->n; j.first += step) {
        int64_t images = s->n - j.first < step ? s->n - j.first : step;
        if (s->group > 1) {
            run_round(pool, &j, images, (int)s->group, forward_group);
        } else if (j.ohw >= j.mg) {
            run_round(pool, &j, images, per_image(tile_count(j.ohw, TILE_MIN, macs), step),
                      forward_cols);
        } else {
            if (!j.direct)
                run_round(pool, &j, images, per_image(tile_count(j.cg, 1, macs), step),
                          im2col_channels);
            run_round(pool, &j, images, per_image(tile_count(j.mg, TILE_MIN, macs), step),
                      forward_rows);
        }
    }
}

/* Group t: col_g (K, OHW) = W_gᵀ dy_g, then dx_g += col2im(col_g). */
static void backward_group(void *ctx, int task)
{
    const conv_job *j = ctx;
    conv_view v = view_of(j, task);
    float *dxg = v.dx + v.t * j->cg * j->hw;
    float *col = j->direct ? dxg : v.col + v.t * j->k * j->ohw;
    lrp_sgemm(true, false, (int)j->k, (int)j->ohw, (int)j->mg, 1.0f, j->w + v.t * j->mg * j->k,
              (int)j->k, v.dy + v.t * j->mg * j->ohw, (int)j->ohw, j->direct ? 1.0f : 0.0f, col,
              (int)j->ohw);
    if (!j->direct)
        col2im_add(&j->s->g, j->cg, col, dxg);
}

/* Input channels [c0, c1) of tile t: their rows of Wᵀ dy, folded back
 * into their planes of dx (other tiles never touch these planes). */
static void backward_channels(void *ctx, int task)
{
    const conv_job *j = ctx;
    conv_view v = view_of(j, task);
    int64_t c0 = tile_start(j->cg, v.t, j->tiles, 1),
            c1 = tile_start(j->cg, v.t + 1, j->tiles, 1);
    int64_t r0 = c0 * j->kk, r1 = c1 * j->kk;
    float *dx = v.dx + c0 * j->hw, *col = j->direct ? dx : v.col + r0 * j->ohw;
    lrp_sgemm(true, false, (int)(r1 - r0), (int)j->ohw, (int)j->mg, 1.0f, j->w + r0, (int)j->k,
              v.dy, (int)j->ohw, j->direct ? 1.0f : 0.0f, col, (int)j->ohw);
    if (!j->direct)
        col2im_add(&j->s->g, c1 - c0, col, dx);
}

/* Few input channels (the stem): columns of col = Wᵀ dy by tile, ... */
static void backward_cols(void *ctx, int task)
{
    const conv_job *j = ctx;
    conv_view v = view_of(j, task);
    int64_t n0 = tile_start(j->ohw, v.t, j->tiles, 16);
    int64_t n1 = tile_start(j->ohw, v.t + 1, j->tiles, 16);
    float *col = j->direct ? v.dx : v.col;
    lrp_sgemm(true, false, (int)j->k, (int)(n1 - n0), (int)j->mg, 1.0f, j->w, (int)j->k,
              v.dy + n0, (int)j->ohw, j->direct ? 1.0f : 0.0f, col + n0, (int)j->ohw);
}

/* ... then col2im channel by channel (t = the channel). */
static void col2im_channel(void *ctx, int task)
{
    const conv_job *j = ctx;
    conv_view v = view_of(j, task);
    col2im_add(&j->s->g, 1, v.col + v.t * j->kk * j->ohw, v.dx + v.t * j->hw);
}

static void blas_backward_add(const lrp_conv_shape *s, const float *dy, const float *w,
                              float *dx, float *scratch, lrp_pool *pool)
{
    conv_job j;
    job_init(&j, s, scratch);
    j.w = w;
    j.dy = dy;
    j.dx = dx;
    int64_t macs = j.mg * j.ohw * j.k, step = round_images(s);
    for (j.first = 0; j.first < s->n; j.first += step) {
        int64_t images = s->n - j.first < step ? s->n - j.first : step;
        if (s->group > 1) {
            run_round(pool, &j, images, (int)s->group, backward_group);
        } else if (j.cg >= 2 * TILE_MAX) {
            run_round(pool, &j, images, per_image(tile_count(j.cg, 2, macs), step),
                      backward_channels);
        } else {
            run_round(pool, &j, images, per_image(tile_count(j.ohw, TILE_MIN, macs), step),
                      backward_cols);
            if (!j.direct)
                run_round(pool, &j, images, (int)j.cg, col2im_channel);
        }
    }
}

/* Floats of the first 'images' images of x or dx (N,C,H,W), and of y or
 * dy (N,M,OH,OW): where the fallback below starts. */
static int64_t in_floats(const lrp_conv_shape *s, int64_t images)
{
    return images * s->c_in * s->g.in_h * s->g.in_w;
}

static int64_t out_floats(const lrp_conv_shape *s, int64_t images)
{
    return images * s->c_out * s->g.out_h * s->g.out_w;
}

/* The images oneDNN did not do (none without it) go to the kernels above,
 * which read w: refilled first. */
bool lrp_conv_forward(const lrp_conv_shape *s, const float *x, const float *w, const float *b,
                      float *y, const lrp_epilogue *epi, float *scratch, lrp_pool *pool,
                      lrp_dnnl *dnnl, const lrp_conv_refill *refill)
{
    int64_t done = dnnl ? lrp_dnnl_conv_forward(dnnl, s, x, w, b, y, epi, scratch, pool, refill)
                        : 0;
    if (done == s->n)
        return true;
    lrp_conv_shape rest = *s;
    rest.n -= done;
    int64_t in = in_floats(s, done), out = out_floats(s, done);
    if (epi && (epi->x_blocked || epi->y_blocked || epi->add_blocked)) {
        /* oneDNN ran out of memory on tensors OpenBLAS cannot read: the
         * caller reports it; NaN, in case a value is read all the same */
        for (int64_t i = out, total = out_floats(s, s->n); i < total; i++)
            y[i] = NAN;
        return false;
    }
    lrp_epilogue e = epi ? *epi : (lrp_epilogue){0};
    e.add = e.add ? e.add + out : NULL;
    lrp_conv_refill_run(refill);
    blas_forward(&rest, x + in, w, b, y + out, &e, scratch, pool);
    return true;
}

void lrp_conv_backward_add(const lrp_conv_shape *s, const float *dy, const float *w, float *dx,
                           float *scratch, lrp_pool *pool, lrp_dnnl *dnnl,
                           const lrp_conv_refill *refill)
{
    int64_t done = dnnl ? lrp_dnnl_conv_backward_add(dnnl, s, dy, w, dx, scratch, pool, refill)
                        : 0;
    if (done == s->n)
        return;
    lrp_conv_shape rest = *s;
    rest.n -= done;
    lrp_conv_refill_run(refill);
    blas_backward_add(&rest, dy + out_floats(s, done), w, dx + in_floats(s, done), scratch,
                      pool);
}
