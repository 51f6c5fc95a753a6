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

/* One image of a residual Add, split in ranges for the pool. */
typedef struct split_job {
    const lrp_rule_ctx *c;
    size_t offset; /* the image's first element */
    double absorbed[LRP_MAX_RANGES];
} split_job;

static void split_range(void *ctx, int range, size_t begin, size_t end)
{
    split_job *j = ctx;
    const lrp_rule_ctx *c = j->c;
    const lrp_rule *r = c->rule;
    int ms = r->activation, ss = 1 - ms;
    const float *m = c->in[ms]->data, *s = c->in[ss]->data;
    float *r_m = c->r_in[ms], *r_s = c->r_in[ss];
    bool identity = r->residual->kind == LRP_SHORTCUT_IDENTITY;
    bool proportional = r->split == LRP_SPLIT_PROPORTIONAL;
    double absorbed = 0.0;
    for (size_t i = j->offset + begin; i < j->offset + end; i++) {
        float r_out = c->r_out[i];
        float rho = mainstream_share(r->split, identity, m[i], s[i], r->stab);
        r_m[i] += rho * r_out;
        if (proportional) { /* not rho-complementary: S gets s R / stab(m + s) */
            float sz = lrp_stabilize(r->stab, m[i] + s[i]);
            r_s[i] += s[i] * r_out / sz;
            absorbed += (double)r_out * ((sz - (m[i] + s[i])) / sz); /* see lrp_absorb */
        } else {
            r_s[i] += (1.0f - rho) * r_out;
        }
    }
    j->absorbed[range] = absorbed;
}

void lrp_split_apply(const lrp_rule_ctx *c)
{
    size_t per_image = lrp_tensor_count(c->out) / (size_t)c->n_images;
    split_job j = {.c = c};
    for (int img = 0; img < c->n_images; img++) {
        j.offset = (size_t)img * per_image;
        lrp_pool_for(c->pool, per_image, split_range, &j);
        for (int r = 0; r < lrp_ranges(per_image); r++)
            c->absorbed[img] += j.absorbed[r];
    }
}
