/* The z-rule kernel shared by every weighted layer: forward passes with
 * modified inputs and weights give z, then one transposed pass per term
 * spreads s = R/stab(z) back onto the inputs (see rules.h). */
#include <string.h>

#include "blas/gemm.h"
#include "ops/conv.h"
#include "rules/kernels.h"

/* y = W x + b for a conv, or for a dense layer over 'rows' input rows. */
typedef struct linear {
    const lrp_weights *w;
    lrp_conv_shape conv;
    int64_t rows;
    size_t nx, ny;
} linear;

static void linear_setup(linear *l, const lrp_rule_ctx *c)
{
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

static void linear_forward(const linear *l, const float *x, const float *w, const float *b,
                           float *y, float *scratch)
{
    if (l->w->is_conv) {
        lrp_conv_forward(&l->conv, x, w, b, y, scratch);
        return;
    }
    int64_t out = l->w->out, in = l->w->in;
    linear_bias(l, b, y);
    lrp_sgemm(false, true, (int)l->rows, (int)out, (int)in, 1.0f, x, (int)in, w, (int)in,
              1.0f, y, (int)out);
}

/* dx += Wᵀ s */
static void linear_backward_add(const linear *l, const float *s, const float *w, float *dx,
                                float *scratch)
{
    if (l->w->is_conv) {
        lrp_conv_backward_add(&l->conv, s, w, dx, scratch);
        return;
    }
    int64_t out = l->w->out, in = l->w->in;
    lrp_sgemm(false, false, (int)l->rows, (int)in, (int)out, 1.0f, s, (int)out, w, (int)in,
              1.0f, dx, (int)in);
}

/* in_t(x) into buf (or x itself); NULL when it is zero everywhere, so the
 * term contributes nothing (x⁻ after a ReLU). */
static const float *modified_input(const lrp_rule_ctx *c, lrp_in_mod mod, float *buf)
{
    const lrp_tensor *xt = c->in[0];
    const float *x = xt->data;
    size_t n = lrp_tensor_count(xt);
    bool any = false;
    switch (mod) {
    case LRP_IN_X:
        return x;
    case LRP_IN_POS:
    case LRP_IN_NEG:
        for (size_t i = 0; i < n; i++) {
            float v = mod == LRP_IN_POS ? (x[i] > 0.0f ? x[i] : 0.0f) : (x[i] < 0.0f ? x[i] : 0.0f);
            buf[i] = v;
            any = any || v != 0.0f;
        }
        return any ? buf : NULL;
    case LRP_IN_ONES:
        for (size_t i = 0; i < n; i++)
            buf[i] = 1.0f;
        return buf;
    case LRP_IN_LOW:
    case LRP_IN_HIGH: {
        /* per input channel: (N, C, H, W), or (N, C*H*W) after a Flatten */
        const float *bound = mod == LRP_IN_LOW ? c->rule->low : c->rule->high;
        int64_t channels = c->rule->n_bounds;
        size_t inner = n / (size_t)(xt->dims[0] * channels);
        for (size_t i = 0; i < n; i++)
            buf[i] = bound[(i / inner) % (size_t)channels];
        return buf;
    }
    }
    return x;
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

/* z of group g into z; returns which terms are active (bit t). */
static unsigned group_z(const lrp_rule_ctx *c, const linear *l, int g, float *z, float *xm,
                        float *tmp, float *cs)
{
    const lrp_zrule *zr = &c->rule->z;
    const lrp_weights *w = l->w;
    unsigned active = 0;
    memset(z, 0, l->ny * sizeof *z);
    for (int t = 0; t < zr->n_terms; t++) {
        const lrp_term *term = &zr->terms[t];
        if (term->group != g)
            continue;
        const float *b = term->bias ? w->b[term->w] : NULL;
        const float *xt = modified_input(c, term->in, xm);
        if (xt) {
            active |= 1u << t;
            linear_forward(l, xt, w->w[term->w], b, tmp, cs);
        } else if (b) {
            linear_bias(l, b, tmp); /* a zero input part: only its bias is left in z */
        } else {
            continue;
        }
        for (size_t i = 0; i < l->ny; i++)
            z[i] += term->sign * tmp[i];
    }
    return active;
}

/* s = R * gate / stab(z); the gate needs the unmodified y, computed in tmp. */
static void group_s(const lrp_rule_ctx *c, const linear *l, int g, const float *z, float *s,
                    float *tmp, float *cs)
{
    const lrp_zrule *zr = &c->rule->z;
    lrp_gate gate = zr->gate[g];
    float weight = 1.0f; /* the group's coefficient: alpha or -beta */
    for (int t = 0; t < zr->n_terms; t++)
        if (zr->terms[t].group == g)
            weight = zr->terms[t].coef;
    if (gate != LRP_GATE_NONE)
        linear_forward(l, c->in[0]->data, l->w->w[LRP_W_ID], l->w->b[LRP_W_ID], tmp, cs);
    size_t per_image = l->ny / (size_t)c->n_images;
    for (size_t i = 0; i < l->ny; i++) {
        bool open = gate == LRP_GATE_NONE || (gate == LRP_GATE_POS ? tmp[i] > 0.0f : tmp[i] < 0.0f);
        s[i] = open ? c->r_out[i] / lrp_stabilize(zr->stab, z[i]) : 0.0f;
        if (open)
            lrp_absorb(c, i, per_image, c->r_out[i], z[i], weight);
    }
}

void lrp_z_apply(const lrp_rule_ctx *c)
{
    linear l;
    linear_setup(&l, c);
    float *xm = c->scratch, *dx = xm + l.nx, *z = dx + l.nx, *s = z + l.ny, *tmp = s + l.ny;
    float *cs = tmp + l.ny;
    const lrp_zrule *zr = &c->rule->z;
    float *r_in = c->r_in[0];
    for (int g = 0; g < zr->n_groups; g++) {
        unsigned active = group_z(c, &l, g, z, xm, tmp, cs);
        if (!active)
            continue;
        group_s(c, &l, g, z, s, tmp, cs);
        for (int t = 0; t < zr->n_terms; t++) {
            const lrp_term *term = &zr->terms[t];
            if (!(active & (1u << t)))
                continue;
            memset(dx, 0, l.nx * sizeof *dx);
            linear_backward_add(&l, s, l.w->w[term->w], dx, cs);
            const float *xt = modified_input(c, term->in, xm);
            float k = term->coef * term->sign;
            for (size_t i = 0; i < l.nx; i++)
                r_in[i] += k * xt[i] * dx[i];
        }
    }
}

/* The gradient of a weighted layer: R_in += Wᵀ R with the effective W. */
void lrp_grad_linear_apply(const lrp_rule_ctx *c)
{
    linear l;
    linear_setup(&l, c);
    float *cs = c->scratch + 2 * l.nx + 3 * l.ny;
    linear_backward_add(&l, c->r_out, l.w->w[LRP_W_ID], c->r_in[0], cs);
}
