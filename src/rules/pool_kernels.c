/* Relevance through pooling: Norm for average pools, winner-takes-all for
 * MaxPool, and the paper's 2x2 average rule that replaces MaxPool. */
#include <stdint.h>
#include <string.h>

#include "ops/pooling.h"
#include "rules/kernels.h"
#include "util/simd.h"
#include "util/vec8.h"

/* AveragePool / GlobalAveragePool: each input gets x_i / (count * stab y)
 * of every window it is in; count as the forward pass divided. */
void lrp_norm_apply(const lrp_rule_ctx *c)
{
    const lrp_tensor *x = c->in[0];
    const float *xd = x->data, *y = c->out->data;
    float *r_in = c->r_in[0];
    lrp_stab stab = c->rule->stab;
    if (lrp_pooling_is_global(c->node)) {
        size_t planes = lrp_tensor_count(c->out), inner = lrp_tensor_count(x) / planes;
        for (size_t p = 0; p < planes; p++) {
            float s = c->r_out[p] / ((float)inner * lrp_stabilize(stab, y[p]));
            lrp_absorb(c, p, planes / (size_t)c->n_images, c->r_out[p], y[p], 1.0f);
            for (size_t k = 0; k < inner; k++)
                r_in[p * inner + k] += xd[p * inner + k] * s;
        }
        return;
    }
    const lrp_pooling_params *pp = c->node->params;
    lrp_geom g;
    lrp_pooling_geom(c->node, x, &g, NULL);
    int64_t planes = x->dims[0] * x->dims[1];
    size_t per_image = lrp_tensor_count(c->out) / (size_t)c->n_images;
    for (int64_t p = 0; p < planes; p++) {
        const float *xp = xd + p * g.in_h * g.in_w;
        float *rp = r_in + p * g.in_h * g.in_w;
        for (int64_t oh = 0; oh < g.out_h; oh++)
            for (int64_t ow = 0; ow < g.out_w; ow++) {
                int64_t o = (p * g.out_h + oh) * g.out_w + ow;
                int64_t h0 = oh * g.sh - g.pad_t, w0 = ow * g.sw - g.pad_l;
                int64_t count = lrp_avgpool_divisor(&g, pp->count_include_pad, oh, ow);
                float s = c->r_out[o] / ((float)count * lrp_stabilize(stab, y[o]));
                lrp_absorb(c, (size_t)o, per_image, c->r_out[o], y[o], 1.0f);
                for (int64_t i = 0; i < g.kh; i++)
                    for (int64_t j = 0; j < g.kw; j++) {
                        int64_t h = h0 + i * g.dh, w = w0 + j * g.dw;
                        if (h >= 0 && h < g.in_h && w >= 0 && w < g.in_w)
                            rp[h * g.in_w + w] += xp[h * g.in_w + w] * s;
                    }
            }
    }
}

/* Each window's relevance to its first maximum in row-major order. */
typedef struct wta_job {
    const lrp_rule_ctx *c;
    lrp_geom g;
} wta_job;

/* The plane index of window (oh, ow)'s first maximum in row-major order, -1
 * where no tap is inside; windows wholly inside skip the bounds checks. */
static inline int64_t wta_winner(const float *xp, const lrp_geom *g, int64_t oh, int64_t ow)
{
    int64_t h0 = oh * g->sh - g->pad_t, w0 = ow * g->sw - g->pad_l;
    if (h0 >= 0 && w0 >= 0 && h0 + (g->kh - 1) * g->dh < g->in_h &&
        w0 + (g->kw - 1) * g->dw < g->in_w) {
        int64_t best = h0 * g->in_w + w0;
        float top = xp[best];
        for (int64_t i = 0; i < g->kh; i++)
            for (int64_t j = 0; j < g->kw; j++) {
                int64_t at = (h0 + i * g->dh) * g->in_w + w0 + j * g->dw;
                if (xp[at] > top) {
                    top = xp[at];
                    best = at;
                }
            }
        return best;
    }
    int64_t best = -1;
    for (int64_t i = 0; i < g->kh; i++)
        for (int64_t j = 0; j < g->kw; j++) {
            int64_t h = h0 + i * g->dh, w = w0 + j * g->dw;
            if (h < 0 || h >= g->in_h || w < 0 || w >= g->in_w)
                continue;
            if (best < 0 || xp[h * g->in_w + w] > xp[best])
                best = h * g->in_w + w;
        }
    return best;
}

/* Windows per block of the inner columns: one lrp_v8sf. */
#define WTA_BLOCK 8

/* The winners (plane offsets) of the inner columns [ow, ow + WTA_BLOCK) of
 * an output row with kernel rows [i0, i1), i0 < i1: as wta_winner, from the
 * first tap, with the running maxima and their offsets in registers.
 * Called with literal strides sw so that the loads specialize. */
static inline void wta_block(const float *xp, const lrp_geom *g, int64_t h0, int64_t i0,
                             int64_t i1, int64_t ow, int64_t sw, int32_t *winners)
{
    const lrp_v8si lanes = {0, 1, 2, 3, 4, 5, 6, 7};
    const lrp_v8si step = lanes * (int32_t)sw;
    int64_t w0 = ow * sw - g->pad_l;
    int32_t first = (int32_t)((h0 + i0 * g->dh) * g->in_w + w0);
    lrp_v8sf top;
    lrp_v8si at = step + first;
    lrp_v8sf_load(&top, xp + first, sw);
    for (int64_t i = i0; i < i1; i++)
        for (int64_t j = 0; j < g->kw; j++) {
            int32_t tap = (int32_t)((h0 + i * g->dh) * g->in_w + w0 + j * g->dw);
            lrp_v8sf v;
            lrp_v8si won, idx = step + tap;
            lrp_v8sf_load(&v, xp + tap, sw);
            lrp_v8sf_take_greater(&top, &won, &v);
            lrp_v8si_take(&at, &won, &idx);
        }
    memcpy(winners, &at, sizeof at);
}

/* Columns [ow0, ow1) of output row oh window by window. Inline, so that
 * each copy of wta_row has its own: a call from the AVX2 copy into SSE code
 * (GCC put no vzeroupper before it) made the WTA rule twice as slow. */
static inline void wta_cols(const float *xp, const lrp_geom *g, int64_t oh, int64_t ow0,
                            int64_t ow1, const float *rq, float *rp)
{
    for (int64_t ow = ow0; ow < ow1; ow++) {
        int64_t best = wta_winner(xp, g, oh, ow);
        if (best >= 0)
            rp[best] += rq[ow];
    }
}

/* Output row oh of plane xp: R to each window's winner in rp, in the order
 * of ow as wta_winner everywhere would add them. The inner columns [c0, c1)
 * go in blocks, the last one overlapping the one before it (its windows
 * already done are not added again). */
LRP_SIMD_CLONES
static void wta_row(const float *xp, const lrp_geom *g, int64_t oh, int64_t c0, int64_t c1,
                    const float *rq, float *rp)
{
    int64_t h0 = oh * g->sh - g->pad_t, i0, i1;
    lrp_geom_tap_rows(g, oh, &i0, &i1);
    if (i0 == i1) /* every tap in the pads: no winner */
        return;
    if (c1 - c0 < WTA_BLOCK)
        c0 = c1 = g->out_w;
    wta_cols(xp, g, oh, 0, c0, rq, rp);
    for (int64_t ow = c0; ow < c1; ow += WTA_BLOCK) {
        int64_t at = ow + WTA_BLOCK <= c1 ? ow : c1 - WTA_BLOCK;
        int32_t winners[WTA_BLOCK];
        if (g->sw == 1)
            wta_block(xp, g, h0, i0, i1, at, 1, winners);
        else if (g->sw == 2)
            wta_block(xp, g, h0, i0, i1, at, 2, winners);
        else
            wta_block(xp, g, h0, i0, i1, at, g->sw, winners);
        for (int64_t k = ow - at; k < WTA_BLOCK; k++)
            rp[winners[k]] += rq[at + k];
    }
    wta_cols(xp, g, oh, c1, g->out_w, rq, rp);
}

/* Planes [p0, p1): each range adds into its own planes of R_in only. The
 * blocks keep plane offsets in int32: larger planes go window by window. */
static void wta_planes(void *ctx, int range, size_t p0, size_t p1)
{
    (void)range;
    const wta_job *job = ctx;
    const lrp_rule_ctx *c = job->c;
    const lrp_tensor *x = c->in[0];
    const lrp_geom g = job->g;
    int64_t c0, c1;
    lrp_geom_inner_cols(&g, &c0, &c1);
    if (g.in_h * g.in_w > INT32_MAX)
        c0 = c1 = g.out_w;
    for (int64_t p = (int64_t)p0; p < (int64_t)p1; p++) {
        const float *xp = (const float *)x->data + p * g.in_h * g.in_w;
        float *rp = c->r_in[0] + p * g.in_h * g.in_w;
        const float *rq = c->r_out + p * g.out_h * g.out_w;
        for (int64_t oh = 0; oh < g.out_h; oh++)
            wta_row(xp, &g, oh, c0, c1, rq + oh * g.out_w, rp);
    }
}

void lrp_wta_apply(const lrp_rule_ctx *c)
{
    wta_job job = {.c = c};
    lrp_pooling_geom(c->node, c->in[0], &job.g, NULL);
    lrp_pool_for_items(c->pool, (size_t)(c->in[0]->dims[0] * c->in[0]->dims[1]), wta_planes,
                       &job);
}

/* The authors' code replaces MaxPool by a 2x2 stride-2 average z-rule:
 * R_in[h,w] = a[h,w] R[h/2,w/2] / (4 (mean of the 2x2 window + eps)). */
void lrp_avg2x2_apply(const lrp_rule_ctx *c)
{
    const lrp_tensor *x = c->in[0];
    int64_t planes = x->dims[0] * x->dims[1], in_h = x->dims[2], in_w = x->dims[3];
    int64_t out_h = c->out->dims[2], out_w = c->out->dims[3];
    size_t per_image = lrp_tensor_count(c->out) / (size_t)c->n_images;
    for (int64_t p = 0; p < planes; p++) {
        const float *a = (const float *)x->data + p * in_h * in_w;
        float *rp = c->r_in[0] + p * in_h * in_w;
        for (int64_t oh = 0; oh < out_h && 2 * oh < in_h; oh++)
            for (int64_t ow = 0; ow < out_w && 2 * ow < in_w; ow++) {
                float sum = 0.0f;
                for (int64_t h = 2 * oh; h < 2 * oh + 2 && h < in_h; h++)
                    for (int64_t w = 2 * ow; w < 2 * ow + 2 && w < in_w; w++)
                        sum += a[h * in_w + w];
                size_t o = (size_t)((p * out_h + oh) * out_w + ow);
                float s = c->r_out[o] / (4.0f * lrp_stabilize(c->rule->stab, sum / 4.0f));
                lrp_absorb(c, o, per_image, c->r_out[o], sum / 4.0f, 1.0f);
                for (int64_t h = 2 * oh; h < 2 * oh + 2 && h < in_h; h++)
                    for (int64_t w = 2 * ow; w < 2 * ow + 2 && w < in_w; w++)
                        rp[h * in_w + w] += a[h * in_w + w] * s;
            }
    }
}
