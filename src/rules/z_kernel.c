/* The z-rule kernel shared by every weighted layer: forward passes with
 * modified inputs and weights give z, then one transposed pass per term
 * spreads s = R/stab(z) back onto the inputs (see rules.h). */
#include <string.h>

#include "blas/gemm.h"
#include "ops/conv.h"
#include "rules/kernels.h"
#include "util/block_sum.h"
#include "util/simd.h"

/* y = W x + b for a conv, or for a dense layer over 'rows' input rows. */
typedef struct linear {
    const lrp_weights *w;
    lrp_conv_shape conv;
    int64_t rows;
    size_t nx, ny;
    lrp_pool *pool;
    lrp_dnnl *dnnl;
} linear;

static void linear_setup(linear *l, const lrp_rule_ctx *c)
{
    l->pool = c->pool;
    l->dnnl = c->dnnl;
    l->w = &c->rule->weights;
    l->nx = lrp_tensor_count(c->in[0]);
    l->ny = lrp_tensor_count(c->out);
    if (l->w->is_conv)
        lrp_conv_shape_of(c->node, c->in[0], c->in[1], &l->conv, NULL);
    l->rows = (int64_t)(l->nx / (size_t)l->w->in);
}

/* y = b broadcast over the output: conv (N, M, OH*OW), dense (rows, out). */
static void linear_bias(const linear *l, const float *b, float *y)
{
    size_t inner = l->w->is_conv ? (size_t)(l->conv.g.out_h * l->conv.g.out_w) : 1;
    size_t outer = l->ny / (inner * (size_t)l->w->out);
    for (size_t r = 0; r < outer; r++)
        for (int64_t o = 0; o < l->w->out; o++)
            for (size_t k = 0; k < inner; k++)
                y[(r * (size_t)l->w->out + (size_t)o) * inner + k] = b ? b[o] : 0.0f;
}

/* A conv's copy w[mod], maybe given back (rules.h, lazy): the conv
 * kernels fill it again just before they read it (lrp_conv_refill). */
typedef struct lazy_copy {
    const lrp_weights *w;
    lrp_w_mod mod;
} lazy_copy;

static void fill_copy(void *ctx)
{
    const lazy_copy *c = ctx;
    lrp_weights_make_resident(c->w, c->mod);
}

static void linear_forward(const linear *l, const float *x, lrp_w_mod mod, const float *b,
                           float *y, float *scratch)
{
    const float *w = l->w->w[mod];
    if (l->w->is_conv) {
        lazy_copy copy = {l->w, mod};
        lrp_conv_refill refill = {fill_copy, &copy};
        lrp_conv_forward(&l->conv, x, w, b, y, NULL, scratch, l->pool, l->dnnl, &refill);
        return;
    }
    int64_t out = l->w->out, in = l->w->in;
    linear_bias(l, b, y);
    lrp_sgemm(false, true, (int)l->rows, (int)out, (int)in, 1.0f, x, (int)in, w, (int)in, 1.0f,
              y, (int)out);
}

/* dx += Wᵀ s */
static void linear_backward_add(const linear *l, const float *s, lrp_w_mod mod, float *dx,
                                float *scratch)
{
    const float *w = l->w->w[mod];
    if (l->w->is_conv) {
        lazy_copy copy = {l->w, mod};
        lrp_conv_refill refill = {fill_copy, &copy};
        lrp_conv_backward_add(&l->conv, s, w, dx, scratch, l->pool, l->dnnl, &refill);
        return;
    }
    int64_t out = l->w->out, in = l->w->in;
    lrp_sgemm(false, false, (int)l->rows, (int)in, (int)out, 1.0f, s, (int)out, w, (int)in,
              1.0f, dx, (int)in);
}

/* The element-wise passes of a z-rule, run as lrp_pool_for ranges. */
typedef struct z_pass {
    const lrp_rule_ctx *c;
    lrp_in_mod mod;           /* modify_range: which in_t(x) */
    const float *src;         /* add_range: tmp; s_range: the unmodified y or NULL */
    float *dst;               /* modify_range: buf; add_range: z; s_range: s */
    const float *z;           /* s_range */
    const float *xt, *dy;     /* r_in_range: in_t(x) and Wᵀs */
    float k;                  /* add_range: sign; r_in_range: coef * sign; s_range: weight */
    lrp_gate gate;            /* s_range */
    size_t offset;            /* s_range, r_in_range: the image's first element */
    double *sum_part;         /* r_in_range: per range, r_in's sum after it; or NULL */
    bool zero;                /* r_in_range: r_in starts here: written, not added to */
    float *dx;                /* s_range: zeroed alongside, one slice per range, or NULL */
    size_t y_count, dx_count; /* s_range: floats per image of y and of dx */
    size_t dx_offset;         /* s_range: the image's first element of dx */
    bool any[LRP_MAX_RANGES]; /* modify_range, sign_range: a value seen */
    double absorbed[LRP_MAX_RANGES]; /* s_range */
} z_pass;

static void modify_range(void *ctx, int range, size_t begin, size_t end)
{
    z_pass *p = ctx;
    const lrp_tensor *xt = p->c->in[0];
    const float *x = xt->data;
    float *buf = p->dst;
    bool any = false;
    switch (p->mod) {
    case LRP_IN_X: break;
    case LRP_IN_POS:
        for (size_t i = begin; i < end; i++) {
            buf[i] = x[i] > 0.0f ? x[i] : 0.0f;
            any |= buf[i] != 0.0f;
        }
        break;
    case LRP_IN_NEG:
        for (size_t i = begin; i < end; i++) {
            buf[i] = x[i] < 0.0f ? x[i] : 0.0f;
            any |= buf[i] != 0.0f;
        }
        break;
    case LRP_IN_ONES:
        for (size_t i = begin; i < end; i++)
            buf[i] = 1.0f;
        break;
    case LRP_IN_LOW:
    case LRP_IN_HIGH: {
        /* per input channel: (N, C, H, W), or (N, C*H*W) after a Flatten */
        const float *bound = p->mod == LRP_IN_LOW ? p->c->rule->low : p->c->rule->high;
        size_t channels = (size_t)p->c->rule->n_bounds;
        size_t inner = lrp_tensor_count(xt) / ((size_t)xt->dims[0] * channels);
        for (size_t i = begin; i < end; i++)
            buf[i] = bound[(i / inner) % channels];
        break;
    }
    }
    p->any[range] = any;
}

/* any[range]: some x < 0 in the range */
static void negative_range(void *ctx, int range, size_t begin, size_t end)
{
    z_pass *p = ctx;
    const float *x = p->c->in[0]->data;
    bool neg = false;
    for (size_t i = begin; i < end; i++)
        neg |= x[i] < 0.0f;
    p->any[range] = neg;
}

/* in_t(x) into buf (or x itself); NULL when it is zero everywhere, so the
 * term contributes nothing. After a ReLU, x⁺ is x and x⁻ is NULL: one read
 * of x tells, and nothing is written. */
static const float *modified_input(const lrp_rule_ctx *c, lrp_in_mod mod, float *buf)
{
    const float *x = c->in[0]->data;
    if (mod == LRP_IN_X)
        return x;
    size_t n = lrp_tensor_count(c->in[0]);
    z_pass p = {.c = c, .mod = mod, .dst = buf};
    if (mod == LRP_IN_POS || mod == LRP_IN_NEG) {
        lrp_pool_for(c->pool, n, negative_range, &p);
        bool negative = false;
        for (int r = 0; r < lrp_ranges(n); r++)
            negative |= p.any[r];
        if (!negative)
            return mod == LRP_IN_POS ? x : NULL;
    }
    lrp_pool_for(c->pool, n, modify_range, &p);
    if (mod != LRP_IN_POS && mod != LRP_IN_NEG)
        return buf;
    for (int r = 0; r < lrp_ranges(n); r++)
        if (p.any[r])
            return buf;
    return NULL;
}

static void add_range(void *ctx, int range, size_t begin, size_t end)
{
    (void)range;
    const z_pass *p = ctx;
    for (size_t i = begin; i < end; i++)
        p->dst[i] += p->k * p->src[i];
}

size_t lrp_z_scratch_floats(const lrp_rule *r, const lrp_node *n, const lrp_tensor *const *in,
                            const lrp_tensor *out)
{
    size_t nx = lrp_tensor_count(in[0]), ny = lrp_tensor_count(out), conv = 0;
    if (r->weights.is_conv) {
        lrp_conv_shape s;
        if (lrp_conv_shape_of(n, in[0], in[1], &s, NULL) == LRP_OK)
            conv = lrp_conv_scratch_floats(&s);
    }
    return 2 * nx + 3 * ny + conv;
}

/* z of group g into z; returns which terms are active (bit t). The first
 * term with sign +1 is computed in place, the others through tmp. xt[t]
 * gets in_t(x) where it is x itself (a later term may overwrite xm). */
static unsigned group_z(const lrp_rule_ctx *c, const linear *l, int g, float *z, float *xm,
                        float *tmp, float *cs, const float **xt_of)
{
    const lrp_zrule *zr = &c->rule->z;
    const lrp_weights *w = l->w;
    unsigned active = 0;
    bool started = false;
    for (int t = 0; t < zr->n_terms; t++) {
        const lrp_term *term = &zr->terms[t];
        if (term->group != g)
            continue;
        const float *b = term->bias ? w->b[term->w] : NULL;
        const float *xt = modified_input(c, term->in, xm);
        xt_of[t] = xt == xm ? NULL : xt;
        float *out = !started && term->sign == 1.0f ? z : tmp;
        if (xt) {
            active |= 1u << t;
            linear_forward(l, xt, term->w, b, out, cs);
        } else if (b) {
            linear_bias(l, b, out); /* a zero input part: only its bias is left in z */
        } else {
            continue;
        }
        if (out == tmp) {
            if (!started)
                memset(z, 0, l->ny * sizeof *z);
            z_pass p = {.c = c, .src = tmp, .dst = z, .k = term->sign};
            lrp_pool_for(c->pool, l->ny, add_range, &p);
        }
        started = true;
    }
    return active;
}

/* s = R / stab(z) where the gate is open (y > 0, y < 0; y NULL: always),
 * and kept = what the stabilizer keeps of R, s (stab(z) - z), for n
 * elements. The division is done everywhere and then chosen, so that the
 * loops vectorize. */
static inline void s_block(lrp_gate gate, lrp_stab stab, const float *restrict r,
                           const float *restrict z, const float *restrict y, float *restrict s,
                           float *restrict kept, size_t n)
{
    if (gate == LRP_GATE_NONE)
        for (size_t i = 0; i < n; i++) {
            float sz = lrp_stabilize(stab, z[i]);
            s[i] = r[i] / sz;
            kept[i] = s[i] * (sz - z[i]);
        }
    else
        for (size_t i = 0; i < n; i++) {
            float sz = lrp_stabilize(stab, z[i]), q = r[i] / sz;
            bool open = gate == LRP_GATE_POS ? y[i] > 0.0f : y[i] < 0.0f;
            s[i] = open ? q : 0.0f;
            kept[i] = s[i] * (sz - z[i]);
        }
}

/* s = R / stab(z) where the gate is open. The stabilizer keeps
 * R (stab(z) - z) / stab(z) = s (stab(z) - z) (see lrp_absorb), added up
 * as lrp_sum_block does, so that the loop vectorizes. */
LRP_SIMD_CLONES
static void s_range(void *ctx, int range, size_t begin, size_t end)
{
    z_pass *p = ctx;
    lrp_stab stab = p->c->rule->stab;
    const float *r = p->c->r_out + p->offset, *z = p->z + p->offset;
    const float *y = p->src ? p->src + p->offset : NULL;
    float *s = p->dst + p->offset;
    float kept[LRP_SUM_BLOCK];
    double absorbed = 0.0;
    for (size_t block = begin; block < end; block += LRP_SUM_BLOCK) {
        size_t n = end - block < LRP_SUM_BLOCK ? end - block : LRP_SUM_BLOCK;
        s_block(p->gate, stab, r + block, z + block, y ? y + block : NULL, s + block, kept, n);
        absorbed = lrp_sum_block(absorbed, kept, n);
    }
    p->absorbed[range] = p->k * absorbed;
    if (p->dx) { /* the same share of the image's dx, for the transposed pass */
        size_t lo, hi;
        lrp_range_bounds(p->dx_count, lrp_ranges(p->y_count), range, &lo, &hi);
        memset(p->dx + p->dx_offset + lo, 0, (hi - lo) * sizeof *p->dx);
    }
}

/* s = R * gate / stab(z); the gate needs the unmodified y, computed in tmp.
 * The same job zeroes dx (nx floats) for the first transposed pass. */
static void group_s(const lrp_rule_ctx *c, const linear *l, int g, const float *z, float *s,
                    float *tmp, float *cs, float *dx)
{
    const lrp_zrule *zr = &c->rule->z;
    z_pass p = {.c = c,
                .z = z,
                .dst = s,
                .src = tmp,
                .gate = zr->gate[g],
                .k = 1.0f,
                .dx = dx,
                .y_count = l->ny / (size_t)c->n_images,
                .dx_count = l->nx / (size_t)c->n_images};
    for (int t = 0; t < zr->n_terms; t++) /* the group's coefficient: alpha or -beta */
        if (zr->terms[t].group == g)
            p.k = zr->terms[t].coef;
    if (p.gate != LRP_GATE_NONE)
        linear_forward(l, c->in[0]->data, LRP_W_ID, l->w->b[LRP_W_ID], tmp, cs);
    size_t per_image = l->ny / (size_t)c->n_images;
    for (int img = 0; img < c->n_images; img++) {
        p.offset = (size_t)img * per_image;
        p.dx_offset = (size_t)img * p.dx_count;
        lrp_pool_for(c->pool, per_image, s_range, &p);
        for (int r = 0; r < lrp_ranges(per_image); r++)
            c->absorbed[img] += p.absorbed[r];
    }
}

/* r_in += k in_t(x) ⊙ dx over one image's range, block by block, each
 * block added up after it where the ledger asks (sum_part). */
LRP_SIMD_CLONES
static void r_in_range(void *ctx, int range, size_t begin, size_t end)
{
    z_pass *p = ctx;
    float *r_in = p->dst + p->offset;
    const float *xt = p->xt + p->offset, *dy = p->dy + p->offset;
    double sum = 0.0;
    for (size_t b = begin; b < end; b += LRP_SUM_BLOCK) {
        size_t n = end - b < LRP_SUM_BLOCK ? end - b : LRP_SUM_BLOCK;
        if (p->zero) /* what 0 + v gives, -0 included, without zeroing first */
            for (size_t i = b; i < b + n; i++)
                r_in[i] = p->k * xt[i] * dy[i] + 0.0f;
        else
            for (size_t i = b; i < b + n; i++)
                r_in[i] += p->k * xt[i] * dy[i];
        if (p->sum_part)
            sum = lrp_sum_block(sum, r_in + b, n);
    }
    if (p->sum_part)
        p->sum_part[range] = sum;
}

/* r_in += k in_t(x) ⊙ dx, per image, with r_in's sums for the ledger. */
static void add_r_in(const lrp_rule_ctx *c, const linear *l, const float *xt, const float *dx,
                     float k, bool zero)
{
    double part[LRP_MAX_RANGES], *sums = lrp_in_sum(c, 0);
    z_pass p = {.c = c,
                .dst = c->r_in[0],
                .dy = dx,
                .k = k,
                .xt = xt,
                .sum_part = sums ? part : NULL,
                .zero = zero};
    size_t per_image = l->nx / (size_t)c->n_images;
    for (int img = 0; img < c->n_images; img++) {
        p.offset = (size_t)img * per_image;
        lrp_pool_for(c->pool, per_image, r_in_range, &p);
        if (sums)
            sums[img] = lrp_sum_parts(part, lrp_ranges(per_image));
    }
    if (sums)
        c->in_summed[0] = true;
}

/* Planning (c->planning): the conv calls of lrp_z_apply on an input after a
 * ReLU, where x⁻ = 0 drops the terms of x⁻, and none of its element-wise
 * passes; oneDNN makes the primitives and computes nothing. */
static void z_plan(const lrp_rule_ctx *c, const linear *l, float *y, float *dx, float *cs)
{
    const lrp_zrule *zr = &c->rule->z;
    const lrp_weights *w = l->w;
    const float *x = c->in[0]->data;
    if (!w->is_conv)
        return;
    for (int g = 0; g < zr->n_groups; g++) {
        bool active = false;
        for (int t = 0; t < zr->n_terms; t++) {
            const lrp_term *term = &zr->terms[t];
            if (term->group != g || term->in == LRP_IN_NEG)
                continue;
            active = true;
            linear_forward(l, x, term->w, term->bias ? w->b[term->w] : NULL, y, cs);
            linear_backward_add(l, y, term->w, dx, cs);
        }
        if (active && zr->gate[g] != LRP_GATE_NONE)
            linear_forward(l, x, LRP_W_ID, w->b[LRP_W_ID], y, cs);
    }
}

void lrp_z_apply(const lrp_rule_ctx *c)
{
    linear l;
    linear_setup(&l, c);
    float *xm = c->scratch, *dx = xm + l.nx, *z = dx + l.nx, *s = z + l.ny, *tmp = s + l.ny;
    float *cs = tmp + l.ny;
    const lrp_zrule *zr = &c->rule->z;
    if (c->planning) {
        z_plan(c, &l, z, dx, cs);
        return;
    }
    bool zero = lrp_unzeroed(c, 0); /* until the first pass into r_in */
    lrp_zero_inputs(c, 0);
    for (int g = 0; g < zr->n_groups; g++) {
        const float *xt_of[LRP_MAX_TERMS] = {0};
        unsigned active;
        if (c->fixed_z && *c->fixed_z_ready) { /* kept from the first run */
            z = c->fixed_z;
            active = (1u << zr->n_terms) - 1;
        } else {
            z = c->fixed_z ? c->fixed_z : z;
            active = group_z(c, &l, g, z, xm, tmp, cs, xt_of);
            if (c->fixed_z)
                *c->fixed_z_ready = true;
        }
        if (!active)
            continue;
        group_s(c, &l, g, z, s, tmp, cs, dx);
        bool dx_zero = true; /* group_s zeroed it */
        for (int t = 0; t < zr->n_terms; t++) {
            const lrp_term *term = &zr->terms[t];
            if (!(active & (1u << t)))
                continue;
            if (!dx_zero)
                lrp_zero_floats(c->pool, dx, l.nx);
            dx_zero = false;
            linear_backward_add(&l, s, term->w, dx, cs);
            /* the last pass's sums are the buffer's */
            add_r_in(c, &l, xt_of[t] ? xt_of[t] : modified_input(c, term->in, xm), dx,
                     term->coef * term->sign, zero);
            zero = false;
        }
    }
    if (zero) /* no term reached the input */
        lrp_zero_floats(c->pool, c->r_in[0], l.nx);
}

/* The gradient of a weighted layer: R_in += Wᵀ R with the effective W. */
void lrp_grad_linear_apply(const lrp_rule_ctx *c)
{
    linear l;
    linear_setup(&l, c);
    float *cs = c->scratch + 2 * l.nx + 3 * l.ny;
    linear_backward_add(&l, c->r_out, LRP_W_ID, c->r_in[0], cs);
}
