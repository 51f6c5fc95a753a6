/* Relevance at Add and Sub: the proportional (Norm) rule, and the split
 * rules at residual Adds (method §4). */
#include <math.h>

#include "rules/kernels.h"

/* Every activation input x (same shape as y) gets x ⊙ R / stab(y); a
 * constant operand (a bias) keeps its share. */
void lrp_sum_apply(const lrp_rule_ctx *c)
{
    const float *y = c->out->data;
    size_t n = lrp_tensor_count(c->out);
    bool sub = c->node->op->sum_sign < 0;
    size_t per_image = n / (size_t)c->n_images;
    for (size_t i = 0; i < n; i++)
        lrp_absorb(c, i, per_image, c->r_out[i], y[i], 1.0f);
    for (int k = 0; k < c->node->n_inputs; k++) {
        float *r_in = c->r_in[k];
        if (!r_in)
            continue;
        const float *x = c->in[k]->data;
        float sign = sub && k == 1 ? -1.0f : 1.0f; /* y = a - b: b contributes -b */
        for (size_t i = 0; i < n; i++)
            r_in[i] += sign * x[i] * c->r_out[i] / lrp_stabilize(c->rule->stab, y[i]);
    }
}

/* How the mainstream's share rho of R is found (method §4). */
typedef enum share {
    SHARE_ALL,          /* rho = 1: projection-only splits at identity shortcuts */
    SHARE_HALF,         /* symmetric */
    SHARE_RATIO,        /* |m| / (|m| + |s|), 1/2 where both are 0 */
    SHARE_PROPORTIONAL, /* m / stab(m + s), and s / stab(m + s) for S */
} share;

static share share_of(lrp_split split, bool identity)
{
    switch (split) {
    case LRP_SPLIT_PROPORTIONAL:
        return SHARE_PROPORTIONAL;
    case LRP_SPLIT_RATIO:
        return SHARE_RATIO;
    case LRP_SPLIT_RATIO_PROJECTION_ONLY:
        return identity ? SHARE_ALL : SHARE_RATIO;
    case LRP_SPLIT_SYMMETRIC_PROJECTION_ONLY:
        return identity ? SHARE_ALL : SHARE_HALF;
    default:
        return SHARE_HALF;
    }
}

/* One image of a residual Add, split in ranges for the pool. */
typedef struct split_job {
    const lrp_rule_ctx *c;
    share share;
    size_t offset; /* the image's first element */
    double absorbed[LRP_MAX_RANGES];
} split_job;

/* One loop per share, so that each vectorizes. */
static void split_range(void *ctx, int range, size_t begin, size_t end)
{
    split_job *j = ctx;
    const lrp_rule_ctx *c = j->c;
    const lrp_rule *r = c->rule;
    int ms = r->mainstream_slot, ss = 1 - ms;
    const float *m = (const float *)c->in[ms]->data + j->offset;
    const float *s = (const float *)c->in[ss]->data + j->offset;
    const float *r_out = c->r_out + j->offset;
    float *r_m = c->r_in[ms] + j->offset, *r_s = c->r_in[ss] + j->offset;
    double absorbed = 0.0;
    switch (j->share) {
    case SHARE_PROPORTIONAL: /* not rho-complementary: S gets s R / stab(m + s) */
        for (size_t i = begin; i < end; i++) {
            float sz = lrp_stabilize(r->stab, m[i] + s[i]);
            r_m[i] += m[i] / sz * r_out[i];
            r_s[i] += s[i] * r_out[i] / sz;
            absorbed += lrp_kept(1.0f, r_out[i], m[i] + s[i], sz);
        }
        break;
    case SHARE_RATIO:
        for (size_t i = begin; i < end; i++) {
            float am = fabsf(m[i]), as = fabsf(s[i]);
            float rho = am + as > 0.0f ? am / (am + as) : 0.5f;
            r_m[i] += rho * r_out[i];
            r_s[i] += (1.0f - rho) * r_out[i];
        }
        break;
    case SHARE_ALL:
    case SHARE_HALF: {
        float rho = j->share == SHARE_ALL ? 1.0f : 0.5f;
        for (size_t i = begin; i < end; i++) {
            r_m[i] += rho * r_out[i];
            r_s[i] += (1.0f - rho) * r_out[i];
        }
        break;
    }
    }
    j->absorbed[range] = absorbed;
}

void lrp_split_apply(const lrp_rule_ctx *c)
{
    size_t per_image = lrp_tensor_count(c->out) / (size_t)c->n_images;
    bool identity = c->rule->residual->kind == LRP_SHORTCUT_IDENTITY;
    split_job j = {.c = c, .share = share_of(c->rule->split, identity)};
    for (int img = 0; img < c->n_images; img++) {
        j.offset = (size_t)img * per_image;
        lrp_pool_for(c->pool, per_image, split_range, &j);
        for (int r = 0; r < lrp_ranges(per_image); r++)
            c->absorbed[img] += j.absorbed[r];
    }
}
