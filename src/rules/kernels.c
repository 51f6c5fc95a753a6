/* Rule kind -> kernel, scratch sizing, the pass rule, zeroing on the pool. */
#include "rules/kernels.h"

#include <string.h>

#include "util/block_sum.h"
#include "util/simd.h"

lrp_rule_fn lrp_rule_kernel(lrp_rule_kind kind)
{
    static const lrp_rule_fn kernels[] = {
        [LRP_RULE_NONE] = NULL,
        [LRP_RULE_PASS] = lrp_pass_apply,
        [LRP_RULE_Z] = lrp_z_apply,
        [LRP_RULE_NORM_POOL] = lrp_norm_apply,
        [LRP_RULE_NORM_SUM] = lrp_sum_apply,
        [LRP_RULE_SPLIT] = lrp_split_apply,
        [LRP_RULE_WTA] = lrp_wta_apply,
        [LRP_RULE_AVG2X2] = lrp_avg2x2_apply,
        [LRP_RULE_ROUTE] = lrp_route_apply,
        [LRP_RULE_GRAD_LINEAR] = lrp_grad_linear_apply,
        [LRP_RULE_GRAD_RELU] = lrp_grad_relu_apply,
        [LRP_RULE_GUIDED_RELU] = lrp_guided_relu_apply,
        [LRP_RULE_DECONV_RELU] = lrp_deconv_relu_apply,
        [LRP_RULE_GRAD_POOL] = lrp_grad_pool_apply,
        [LRP_RULE_GRAD_SUM] = lrp_grad_sum_apply,
        [LRP_RULE_GRAD_BN] = lrp_grad_bn_apply,
        [LRP_RULE_GRAD_CLIP] = lrp_grad_clip_apply,
        [LRP_RULE_GRAD_SCALE] = lrp_grad_scale_apply,
        [LRP_RULE_GRAD_MUL] = lrp_grad_mul_apply,
        [LRP_RULE_GRAD_SIGMOID] = lrp_grad_sigmoid_apply,
    };
    return kernels[kind];
}

bool lrp_rule_zeroes_inputs(lrp_rule_kind kind)
{
    return kind == LRP_RULE_PASS || kind == LRP_RULE_Z || kind == LRP_RULE_SPLIT;
}

void lrp_rule_reads(const lrp_rule *r, const lrp_node *n, lrp_keep *keep)
{
    switch (r->kind) {
    case LRP_RULE_NONE:
    case LRP_RULE_PASS: /* shapes only */
    case LRP_RULE_ROUTE:
    case LRP_RULE_GRAD_LINEAR:
    case LRP_RULE_GRAD_POOL:
    case LRP_RULE_GRAD_SUM:
    case LRP_RULE_GRAD_BN:
    case LRP_RULE_GRAD_SCALE: /* the constant only */
    case LRP_RULE_DECONV_RELU: return;
    case LRP_RULE_GRAD_RELU: /* y only, whose sign is x's, through out_block */
    case LRP_RULE_GUIDED_RELU: lrp_keep_mark(keep, n->outputs[0], LRP_KEEP_ANY_LAYOUT); return;
    case LRP_RULE_GRAD_SIGMOID: /* y only */
        lrp_keep_mark(keep, n->outputs[0], LRP_KEEP_PLAIN);
        return;
    case LRP_RULE_NORM_POOL: /* x and y */
    case LRP_RULE_NORM_SUM: lrp_keep_mark(keep, n->outputs[0], LRP_KEEP_PLAIN); break;
    default: /* the inputs: Z, WTA, AVG2X2, SPLIT, GRAD_MUL */ break;
    }
    bool all = r->kind == LRP_RULE_NORM_SUM || r->kind == LRP_RULE_SPLIT ||
               r->kind == LRP_RULE_GRAD_MUL;
    int inputs = all ? n->n_inputs : 1;
    for (int k = 0; k < inputs; k++)
        if (n->inputs[k] >= 0)
            lrp_keep_mark(keep, n->inputs[k], LRP_KEEP_PLAIN);
}

size_t lrp_rule_scratch_floats(const lrp_rule *r, const lrp_node *n,
                               const lrp_tensor *const *in, const lrp_tensor *out)
{
    bool linear = r->kind == LRP_RULE_Z || r->kind == LRP_RULE_GRAD_LINEAR;
    if (r->kind == LRP_RULE_GRAD_SCALE) /* R c before it is added */
        return lrp_tensor_count(out);
    return linear ? lrp_z_scratch_floats(r, n, in, out) : 0;
}

static void zero_range(void *ctx, int range, size_t begin, size_t end)
{
    (void)range;
    float *v = ctx;
    memset(v + begin, 0, (end - begin) * sizeof *v);
}

void lrp_zero_floats(lrp_pool *pool, float *v, size_t n)
{
    lrp_pool_for(pool, n, zero_range, v);
}

void lrp_zero_inputs(const lrp_rule_ctx *c, int keep)
{
    for (int k = 0; k < c->node->n_inputs && k < LRP_MAX_INPUTS; k++)
        if (k != keep && lrp_unzeroed(c, k))
            lrp_zero_floats(c->pool, c->r_in[k], lrp_tensor_count(c->in[k]));
}

typedef struct pass_job {
    const lrp_rule_ctx *c;
    size_t offset;               /* the image's first element */
    bool zero;                   /* r_in starts here: zero it first */
    bool sum;                    /* r_in's sums wanted */
    double part[LRP_MAX_RANGES]; /* per range: r_in's sum after it */
} pass_job;

LRP_SIMD_CLONES
static void pass_range(void *ctx, int range, size_t begin, size_t end)
{
    pass_job *j = ctx;
    float *r_in = j->c->r_in[j->c->rule->x_slot] + j->offset;
    const float *r_out = j->c->r_out + j->offset;
    double sum = 0.0;
    for (size_t b = begin; b < end; b += LRP_SUM_BLOCK) {
        size_t n = end - b < LRP_SUM_BLOCK ? end - b : LRP_SUM_BLOCK;
        if (j->zero)
            memset(r_in + b, 0, n * sizeof *r_in);
        for (size_t i = b; i < b + n; i++)
            r_in[i] += r_out[i];
        if (j->sum)
            sum = lrp_sum_block(sum, r_in + b, n);
    }
    j->part[range] = sum;
}

/* R_in = R, element for element (shapes may differ: Flatten, Reshape), per
 * image with R_in's sums for the ledger; nothing to do where the planner
 * gave R_in R's own buffer (explain/relevance.c). */
void lrp_pass_apply(const lrp_rule_ctx *c)
{
    int slot = c->rule->x_slot;
    double *sums = lrp_in_sum(c, slot);
    lrp_zero_inputs(c, slot);
    if (c->r_in[slot] == c->r_out)
        return;
    pass_job j = {.c = c, .zero = lrp_unzeroed(c, slot), .sum = sums};
    size_t per_image = lrp_tensor_count(c->out) / (size_t)c->n_images;
    for (int img = 0; img < c->n_images; img++) {
        j.offset = (size_t)img * per_image;
        lrp_pool_for(c->pool, per_image, pass_range, &j);
        if (sums)
            sums[img] = lrp_sum_parts(j.part, lrp_ranges(per_image));
    }
    if (sums)
        c->in_summed[slot] = true;
}

/* The adjoint of the op's element moves: what a padding cell received goes
 * nowhere (a constant, like a bias), every other R to its source. */
void lrp_route_apply(const lrp_rule_ctx *c)
{
    c->node->op->route(c->node, c->in, c->out, c->r_out, c->r_in);
}
