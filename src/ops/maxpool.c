/* MaxPool (2-D, pads, strides, dilations, ceil_mode); padding never wins.
 * Only the first output (Y) is supported. Each output folds its window's
 * taps in row-major order from -FLT_MAX with x > best: of equal values
 * (+0 and -0) the first stays, NaN never wins, an empty window gives
 * -FLT_MAX. */
#include <float.h>
#include <string.h>

#include "ops/op.h"
#include "ops/pooling.h"
#include "util/simd.h"
#include "util/vec8.h"

typedef struct maxpool_job {
    const lrp_tensor *x, *y;
    lrp_geom g;
} maxpool_job;

/* Outputs per block of the inner columns: one lrp_v8sf. */
#define MAXPOOL_BLOCK 8

/* The outputs [ow, ow + MAXPOOL_BLOCK) of one row, all inner columns, from
 * the kernel rows [i0, i1): the block's maxima stay in a register across
 * the taps. Called with literal strides sw so that the loads specialize. */
static inline void fold_block(const lrp_geom *g, const float *x, float *y, int64_t h0,
                              int64_t i0, int64_t i1, int64_t ow, int64_t sw)
{
    lrp_v8sf best = {-FLT_MAX, -FLT_MAX, -FLT_MAX, -FLT_MAX,
                     -FLT_MAX, -FLT_MAX, -FLT_MAX, -FLT_MAX};
    for (int64_t i = i0; i < i1; i++) {
        const float *row = x + (h0 + i * g->dh) * g->in_w + ow * sw - g->pad_l;
        for (int64_t j = 0; j < g->kw; j++) {
            lrp_v8sf v;
            lrp_v8si won;
            lrp_v8sf_load(&v, row + j * g->dw, sw);
            lrp_v8sf_take_greater(&best, &won, &v);
        }
    }
    memcpy(y + ow, &best, sizeof best);
}

/* Output (oh, ow) with bounds checks: the border columns, and rows whose
 * inner columns are fewer than a block. Inline into each copy of
 * maxpool_row: SSE code called from the AVX2 copy runs slowly. */
static inline float window_max(const lrp_geom *g, const float *x, int64_t h0, int64_t i0,
                               int64_t i1, int64_t ow)
{
    float best = -FLT_MAX;
    for (int64_t i = i0; i < i1; i++) {
        const float *row = x + (h0 + i * g->dh) * g->in_w;
        for (int64_t j = 0; j < g->kw; j++) {
            int64_t w = ow * g->sw - g->pad_l + j * g->dw;
            if (w >= 0 && w < g->in_w && row[w] > best)
                best = row[w];
        }
    }
    return best;
}

/* Output row oh of one plane x (in_h, in_w) into y (out_w). The inner
 * columns [c0, c1) go in blocks, the last one overlapping the one before
 * it (an output computed twice is the same number). */
LRP_SIMD_CLONES
static void maxpool_row(const lrp_geom *g, const float *x, float *y, int64_t oh, int64_t c0,
                        int64_t c1)
{
    int64_t h0 = oh * g->sh - g->pad_t, i0, i1;
    lrp_geom_tap_rows(g, oh, &i0, &i1);
    if (c1 - c0 < MAXPOOL_BLOCK)
        c0 = c1 = g->out_w;
    for (int64_t ow = 0; ow < c0; ow++)
        y[ow] = window_max(g, x, h0, i0, i1, ow);
    for (int64_t ow = c0; ow < c1; ow += MAXPOOL_BLOCK) {
        int64_t at = ow + MAXPOOL_BLOCK <= c1 ? ow : c1 - MAXPOOL_BLOCK;
        if (g->sw == 1)
            fold_block(g, x, y, h0, i0, i1, at, 1);
        else if (g->sw == 2)
            fold_block(g, x, y, h0, i0, i1, at, 2);
        else
            fold_block(g, x, y, h0, i0, i1, at, g->sw);
    }
    for (int64_t ow = c1; ow < g->out_w; ow++)
        y[ow] = window_max(g, x, h0, i0, i1, ow);
}

/* Planes [p0, p1) of the (N*C) planes. */
static void maxpool_planes(void *ctx, int range, size_t p0, size_t p1)
{
    (void)range;
    const maxpool_job *job = ctx;
    const lrp_geom g = job->g;
    int64_t c0, c1;
    lrp_geom_inner_cols(&g, &c0, &c1);
    for (int64_t p = (int64_t)p0; p < (int64_t)p1; p++) {
        const float *x = (const float *)job->x->data + p * g.in_h * g.in_w;
        float *y = (float *)job->y->data + p * g.out_h * g.out_w;
        for (int64_t oh = 0; oh < g.out_h; oh++)
            maxpool_row(&g, x, y + oh * g.out_w, oh, c0, c1);
    }
}

static void maxpool_forward(const lrp_node *n, const lrp_tensor *const *in,
                            lrp_tensor *const *out, lrp_forward_ctx *scratch)
{
    maxpool_job job = {.x = in[0], .y = out[0]};
    lrp_pooling_geom(n, in[0], &job.g, NULL);
    lrp_pool_for_items(scratch->pool, (size_t)(in[0]->dims[0] * in[0]->dims[1]), maxpool_planes,
                       &job);
}

const lrp_op lrp_op_maxpool = {
    .name = "MaxPool",
    .min_inputs = 1,
    .max_inputs = 1,
    .n_outputs = 1,
    .relevance = LRP_REL_MAXPOOL,
    .keeps_sign = true,
    .parse = lrp_pooling_parse,
    .infer = lrp_pooling_infer,
    .forward = maxpool_forward,
};
