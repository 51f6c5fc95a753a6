/* The gradient through the other ops, for the baseline methods: the same
 * reverse executor, with these kernels instead of relevance rules. */
#include <math.h>

#include "ops/batchnorm.h"
#include "ops/broadcast.h"
#include "ops/clip.h"
#include "ops/pooling.h"
#include "rules/kernels.h"

/* The Relu's y > 0 exactly where x > 0: reading y, not x, lets the conv
 * before it fuse the Relu, as in a plain forward pass, and the convs around
 * it keep y in oneDNN's blocked layout (c->out_block), which relu_blocked
 * reads it in. The Relu kernels read every element unconditionally,
 * through restrict pointers, so that they vectorize. */
static inline float relu_pass(float y, float r, bool guided)
{
    return y > 0.0f && (!guided || r > 0.0f) ? r : 0.0f;
}

/* r_in += relu_pass(y, R) with y blocked by 'block' channels: tiles of 64
 * pixels of one channel block, so that the tile of y stays in the cache
 * while each of its channels is read with a stride. */
static void relu_blocked(const lrp_rule_ctx *c, bool guided)
{
    const float *restrict y = c->out->data, *restrict r = c->r_out;
    float *restrict r_in = c->r_in[0];
    size_t block = (size_t)c->out_block, images = (size_t)c->out->dims[0];
    size_t ch = (size_t)c->out->dims[1], hw = lrp_tensor_count(c->out) / (images * ch);
    for (size_t b = 0; b < images * ch; b += block) /* b: the block's first plane */
        for (size_t p0 = 0; p0 < hw; p0 += 64) {
            size_t p1 = p0 + 64 < hw ? p0 + 64 : hw;
            for (size_t j = 0; j < block; j++) {
                const float *yj = y + b * hw + j;
                size_t at = (b + j) * hw;
                for (size_t p = p0; p < p1; p++)
                    r_in[at + p] += relu_pass(yj[p * block], r[at + p], guided);
            }
        }
}

/* r_in += relu_pass(y, R), y in its layout; inlined with guided constant. */
static inline void relu_apply(const lrp_rule_ctx *c, bool guided)
{
    if (c->out_block) {
        relu_blocked(c, guided);
        return;
    }
    const float *restrict y = c->out->data, *restrict r = c->r_out;
    float *restrict r_in = c->r_in[0];
    size_t n = lrp_tensor_count(c->out);
    for (size_t i = 0; i < n; i++)
        r_in[i] += relu_pass(y[i], r[i], guided);
}

void lrp_grad_relu_apply(const lrp_rule_ctx *c)
{
    relu_apply(c, false);
}

/* Guided Backprop (Springenberg et al. 2015): only positive R through
 * where the Relu was active. */
void lrp_guided_relu_apply(const lrp_rule_ctx *c)
{
    relu_apply(c, true);
}

/* DeconvNet (Zeiler and Fergus 2014): the Relu applied to R, whatever x was. */
void lrp_deconv_relu_apply(const lrp_rule_ctx *c)
{
    const float *restrict r = c->r_out;
    float *restrict r_in = c->r_in[0];
    size_t n = lrp_tensor_count(c->out);
    for (size_t i = 0; i < n; i++) {
        float v = r[i];
        r_in[i] += v > 0.0f ? v : 0.0f;
    }
}

/* GlobalAveragePool: R/(H W) to every tap; AveragePool: R/count per window. */
void lrp_grad_pool_apply(const lrp_rule_ctx *c)
{
    const lrp_tensor *x = c->in[0];
    float *r_in = c->r_in[0];
    if (lrp_pooling_is_global(c->node)) {
        size_t planes = lrp_tensor_count(c->out), inner = lrp_tensor_count(x) / planes;
        for (size_t p = 0; p < planes; p++)
            for (size_t k = 0; k < inner; k++)
                r_in[p * inner + k] += c->r_out[p] / (float)inner;
        return;
    }
    const lrp_pooling_params *pp = c->node->params;
    lrp_geom g;
    lrp_pooling_geom(c->node, x, &g, NULL);
    int64_t planes = x->dims[0] * x->dims[1];
    for (int64_t p = 0; p < planes; p++)
        for (int64_t oh = 0; oh < g.out_h; oh++)
            for (int64_t ow = 0; ow < g.out_w; ow++) {
                int64_t h0 = oh * g.sh - g.pad_t, w0 = ow * g.sw - g.pad_l;
                int64_t count = lrp_avgpool_divisor(&g, pp->count_include_pad, oh, ow);
                float s = c->r_out[(p * g.out_h + oh) * g.out_w + ow] / (float)count;
                for (int64_t i = 0; i < g.kh; i++)
                    for (int64_t j = 0; j < g.kw; j++) {
                        int64_t h = h0 + i * g.dh, w = w0 + j * g.dw;
                        if (h >= 0 && h < g.in_h && w >= 0 && w < g.in_w)
                            r_in[(p * g.in_h + h) * g.in_w + w] += s;
                    }
            }
}

void lrp_grad_sum_apply(const lrp_rule_ctx *c)
{
    size_t n = lrp_tensor_count(c->out);
    bool sub = c->node->op->sum_sign < 0;
    for (int k = 0; k < c->node->n_inputs; k++) {
        if (!c->r_in[k])
            continue;
        float sign = sub && k == 1 ? -1.0f : 1.0f;
        for (size_t i = 0; i < n; i++)
            c->r_in[k][i] += sign * c->r_out[i];
    }
}

/* y = (x - mean) a + B with a = scale / sqrt(var + eps), per channel. */
void lrp_grad_bn_apply(const lrp_rule_ctx *c)
{
    const lrp_tensor *x = c->in[0];
    const float *scale = c->in[1]->data, *var = c->in[4]->data;
    float eps = ((const lrp_bn_params *)c->node->params)->epsilon;
    int64_t channels = x->dims[1];
    size_t inner = lrp_tensor_count(x) / (size_t)(x->dims[0] * channels);
    for (int64_t i = 0; i < x->dims[0]; i++)
        for (int64_t ch = 0; ch < channels; ch++) {
            float a = scale[ch] / sqrtf(var[ch] + eps);
            size_t off = (size_t)(i * channels + ch) * inner;
            for (size_t k = 0; k < inner; k++)
                c->r_in[0][off + k] += c->r_out[off + k] * a;
        }
}

/* 1 strictly inside (min, max), 0 on and beyond the bounds, as Relu's [x > 0]. */
void lrp_grad_clip_apply(const lrp_rule_ctx *c)
{
    const float *x = c->in[0]->data;
    float lo, hi;
    lrp_clip_bounds(c->node, c->in, &lo, &hi);
    size_t n = lrp_tensor_count(c->out);
    for (size_t i = 0; i < n; i++)
        c->r_in[0][i] += x[i] > lo && x[i] < hi ? c->r_out[i] : 0.0f;
}

/* y = x c or x / c with x of y's shape and c a constant that broadcasts. */
void lrp_grad_scale_apply(const lrp_rule_ctx *c)
{
    int slot = c->rule->x_slot;
    lrp_binop op = c->node->op->relevance == LRP_REL_DIV ? LRP_BINOP_DIV : LRP_BINOP_MUL;
    lrp_tensor r = *c->out, scaled = *c->out;
    r.data = (void *)c->r_out;
    scaled.data = c->scratch;
    lrp_broadcast_f32(op, &r, c->in[1 - slot], &scaled);
    size_t n = lrp_tensor_count(c->out);
    for (size_t i = 0; i < n; i++)
        c->r_in[slot][i] += c->scratch[i];
}

/* y = a * b, broadcast: walks the plan's merged dims (the last innermost). */
void lrp_grad_mul_apply(const lrp_rule_ctx *c)
{
    const lrp_tensor *a = c->in[0], *b = c->in[1];
    const float *ad = a->data, *bd = b->data;
    float *r_a = c->r_in[0], *r_b = c->r_in[1];
    lrp_broadcast_plan p;
    lrp_broadcast_plan_make(a, b, c->out, &p);
    size_t at[LRP_MAX_RANK] = {0}, ia = 0, ib = 0, count = lrp_tensor_count(c->out);
    for (size_t o = 0; o < count; o++) {
        if (r_a)
            r_a[ia] += c->r_out[o] * bd[ib];
        if (r_b)
            r_b[ib] += c->r_out[o] * ad[ia];
        for (int d = p.rank - 1; d >= 0; d--) { /* next index; back to 0 past the end */
            ia += p.stride_a[d];
            ib += p.stride_b[d];
            if (++at[d] < p.dims[d])
                break;
            ia -= p.stride_a[d] * p.dims[d];
            ib -= p.stride_b[d] * p.dims[d];
            at[d] = 0;
        }
    }
}

void lrp_grad_sigmoid_apply(const lrp_rule_ctx *c)
{
    const float *y = c->out->data;
    size_t n = lrp_tensor_count(c->out);
    for (size_t i = 0; i < n; i++)
        c->r_in[0][i] += c->r_out[i] * y[i] * (1.0f - y[i]);
}
