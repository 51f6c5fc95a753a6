/* Relevance at Add and Sub: the proportional (Norm) rule, and the split
 * rules at residual Adds (method §4). */
#include <math.h>
#include <string.h>

#include "rules/kernels.h"

/* Every activation input x (same shape as y) gets x ⊙ R / stab(y); a
 * constant operand (a bias) keeps its share. */
void lrp_sum_apply(const lrp_rule_ctx *c)
{
    const float *y = c->out->data;
    size_t n = lrp_tensor_count(c->out);
    bool sub = strcmp(c->node->op_type, "Sub") == 0;
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

/* The mainstream share of one element. */
static float mainstream_share(lrp_split split, bool identity, float m, float s, lrp_stab stab)
{
    bool projection_only = split == LRP_SPLIT_RATIO_PROJECTION_ONLY ||
                           split == LRP_SPLIT_SYMMETRIC_PROJECTION_ONLY;
    if (identity && projection_only)
        return 1.0f;
    switch (split) {
    case LRP_SPLIT_PROPORTIONAL:
        return m / lrp_stabilize(stab, m + s);
    case LRP_SPLIT_RATIO:
    case LRP_SPLIT_RATIO_PROJECTION_ONLY: {
        float am = fabsf(m), as = fabsf(s);
        return am + as > 0.0f ? am / (am + as) : 0.5f;
    }
    default:
        return 0.5f;
    }
}

void lrp_split_apply(const lrp_rule_ctx *c)
{
    const lrp_rule *r = c->rule;
    int ms = r->activation, ss = 1 - ms;
    const float *m = c->in[ms]->data, *s = c->in[ss]->data;
    float *r_m = c->r_in[ms], *r_s = c->r_in[ss];
    bool identity = r->residual->kind == LRP_SHORTCUT_IDENTITY;
    size_t n = lrp_tensor_count(c->out), per_image = n / (size_t)c->n_images;
    for (size_t i = 0; i < n; i++) {
        if (r->split == LRP_SPLIT_PROPORTIONAL)
            lrp_absorb(c, i, per_image, c->r_out[i], m[i] + s[i], 1.0f);
        float rho = mainstream_share(r->split, identity, m[i], s[i], r->stab);
        float r_out = c->r_out[i];
        r_m[i] += rho * r_out;
        /* proportional is not rho-complementary: S gets s R / stab(m + s) */
        r_s[i] += r->split == LRP_SPLIT_PROPORTIONAL
                      ? s[i] * r_out / lrp_stabilize(r->stab, m[i] + s[i])
                      : (1.0f - rho) * r_out;
    }
}
