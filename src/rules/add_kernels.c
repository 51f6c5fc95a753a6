/* Relevance at Add and Sub: the proportional (Norm) rule, and the split
 * rules at residual Adds (method §4). */
#include <math.h>
#include <string.h>

#include "rules/kernels.h"
#include "util/block_sum.h"
#include "util/simd.h"

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
    case LRP_SPLIT_PROPORTIONAL: return SHARE_PROPORTIONAL;
    case LRP_SPLIT_RATIO: return SHARE_RATIO;
    case LRP_SPLIT_RATIO_PROJECTION_ONLY: return identity ? SHARE_ALL : SHARE_RATIO;
    case LRP_SPLIT_SYMMETRIC_PROJECTION_ONLY: return identity ? SHARE_ALL : SHARE_HALF;
    default: return SHARE_HALF;
    }
}

/* One image of a residual Add, split in ranges for the pool; per range the
 * sums of r_m and r_s after it where the ledger asks for them. */
typedef struct split_job {
    const lrp_rule_ctx *c;
    share share;
    size_t offset;       /* the image's first element */
    bool zero_m, zero_s; /* r_m, r_s start here: zero them first */
    bool sum_m, sum_s;
    double absorbed[LRP_MAX_RANGES], m_part[LRP_MAX_RANGES], s_part[LRP_MAX_RANGES];
} split_job;

/* n elements of each share, one loop per share so that each vectorizes (m,
 * s and R are activations and relevance that neither r_m nor r_s overlaps;
 * r_m and r_s are one buffer where the Add reads one value twice). The
 * proportional rule leaves what the stabilizer keeps of each R in kept,
 * R (stab(m + s) - m - s) / stab(m + s) (see lrp_absorb). */
static inline void split_block(share sh, lrp_stab stab, const float *restrict m,
                               const float *restrict s, const float *restrict r_out, float *r_m,
                               float *r_s, float *restrict kept, size_t n)
{
    switch (sh) {
    case SHARE_PROPORTIONAL: /* not rho-complementary: S gets s R / stab(m + s) */
        for (size_t i = 0; i < n; i++) {
            float sz = lrp_stabilize(stab, m[i] + s[i]);
            r_m[i] += m[i] / sz * r_out[i];
            r_s[i] += s[i] * r_out[i] / sz;
            kept[i] = r_out[i] * lrp_kept_share(m[i] + s[i], sz);
        }
        break;
    case SHARE_RATIO:
        for (size_t i = 0; i < n; i++) {
            float am = fabsf(m[i]), as = fabsf(s[i]);
            float rho = am + as > 0.0f ? am / (am + as) : 0.5f;
            r_m[i] += rho * r_out[i];
            r_s[i] += (1.0f - rho) * r_out[i];
        }
        break;
    case SHARE_ALL:
    case SHARE_HALF: {
        float rho = sh == SHARE_ALL ? 1.0f : 0.5f;
        for (size_t i = 0; i < n; i++) {
            r_m[i] += rho * r_out[i];
            r_s[i] += (1.0f - rho) * r_out[i];
        }
        break;
    }
    }
}

/* Blocks of LRP_SUM_BLOCK, each added up while it is in cache, the
 * stabilizer's part as lrp_sum_block does (as the z rule's, so that the
 * loop vectorizes: element by element in double, in order, it was a chain
 * of dependent adds, 3% of a one-thread ResNet-50 explanation). */
LRP_SIMD_CLONES
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
    float kept[LRP_SUM_BLOCK];
    double absorbed = 0.0, sum_m = 0.0, sum_s = 0.0;
    for (size_t b = begin; b < end; b += LRP_SUM_BLOCK) {
        size_t n = end - b < LRP_SUM_BLOCK ? end - b : LRP_SUM_BLOCK;
        if (j->zero_m) /* both before either is added into: they may be one buffer */
            memset(r_m + b, 0, n * sizeof *r_m);
        if (j->zero_s)
            memset(r_s + b, 0, n * sizeof *r_s);
        split_block(j->share, r->stab, m + b, s + b, r_out + b, r_m + b, r_s + b, kept, n);
        if (j->share == SHARE_PROPORTIONAL)
            absorbed = lrp_sum_block(absorbed, kept, n);
        if (j->sum_m)
            sum_m = lrp_sum_block(sum_m, r_m + b, n);
        if (j->sum_s)
            sum_s = lrp_sum_block(sum_s, r_s + b, n);
    }
    j->absorbed[range] = absorbed;
    j->m_part[range] = sum_m;
    j->s_part[range] = sum_s;
}

void lrp_split_apply(const lrp_rule_ctx *c)
{
    size_t per_image = lrp_tensor_count(c->out) / (size_t)c->n_images;
    bool identity = c->rule->residual->kind == LRP_SHORTCUT_IDENTITY;
    int ms = c->rule->mainstream_slot, ss = 1 - ms;
    double *sum_m = lrp_in_sum(c, ms), *sum_s = lrp_in_sum(c, ss);
    split_job j = {.c = c,
                   .share = share_of(c->rule->split, identity),
                   .zero_m = lrp_unzeroed(c, ms),
                   .zero_s = lrp_unzeroed(c, ss),
                   .sum_m = sum_m,
                   .sum_s = sum_s};
    int ranges = lrp_ranges(per_image);
    for (int img = 0; img < c->n_images; img++) {
        j.offset = (size_t)img * per_image;
        lrp_pool_for(c->pool, per_image, split_range, &j);
        for (int r = 0; r < ranges; r++)
            c->absorbed[img] += j.absorbed[r];
        if (sum_m)
            sum_m[img] = lrp_sum_parts(j.m_part, ranges);
        if (sum_s)
            sum_s[img] = lrp_sum_parts(j.s_part, ranges);
    }
    if (sum_m)
        c->in_summed[ms] = true;
    if (sum_s)
        c->in_summed[ss] = true;
}
