/* The relevance kernels against direct double-precision implementations of
 * docs/method.md: every z-rule of §2 (dense, plain and grouped conv), the
 * split rules of §4, and the pool and Add kernels of §3 and §5. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/batchnorm.h"
#include "ops/gemm.h"
#include "ops/op.h"
#include "rules/kernels.h"

#include "check.h"


#define COUNT(a) (sizeof(a) / sizeof *(a))

static unsigned rng_state = 2024u;
static float rnd(void) /* in [-1, 1) */
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return (float)((rng_state >> 8) & 0xffff) / 32768.0f - 1.0f;
}

static float *random_buf(size_t n, float lo, float hi)
{
    float *p = malloc(n * sizeof *p);
    for (size_t i = 0; i < n; i++)
        p[i] = lo + (hi - lo) * 0.5f * (rnd() + 1.0f);
    return p;
}

/* max|got - want| / max|want| (want all zero: max|got|). */
static double rel_error(const float *got, const double *want, size_t n)
{
    double diff = 0.0, scale = 0.0;
    for (size_t i = 0; i < n; i++) {
        diff = fmax(diff, fabs((double)got[i] - want[i]));
        scale = fmax(scale, fabs(want[i]));
    }
    return scale > 0.0 ? diff / scale : diff;
}

/* ---- nodes built by hand ------------------------------------------------- */

typedef struct attr_spec {
    const char *name;
    int n;
    int64_t v[4];
} attr_spec;

/* A node of op_type with INTS attributes (plus an INT attribute when
 * int_name is set), parsed by its op. */
static lrp_node make_node(const char *op_type, const attr_spec *specs, int n_specs,
                          const char *int_name, int64_t int_value)
{
    lrp_node n = {.name = "test_node", .op_type = (char *)op_type, .op = lrp_op_find(op_type)};
    n.attrs = calloc((size_t)n_specs + 1, sizeof *n.attrs);
    for (int i = 0; i < n_specs; i++)
        n.attrs[i] = (lrp_attr){.name = (char *)specs[i].name,
                                .type = LRP_ATTR_INTS,
                                .n = specs[i].n,
                                .ints = (int64_t *)specs[i].v};
    n.n_attrs = n_specs;
    if (int_name)
        n.attrs[n.n_attrs++] = (lrp_attr){.name = (char *)int_name,
                                          .type = LRP_ATTR_INT,
                                          .i = int_value};
    lrp_error err = {0};
    if (n.op && n.op->parse)
        CHECK(n.op->parse(&n, &err) == LRP_OK, "%s parse: %s", op_type, err.message);
    return n;
}

static void free_node(lrp_node *n)
{
    free(n->attrs);
    free(n->params);
}

static lrp_tensor tensor4(int64_t a, int64_t b, int64_t c, int64_t d, const float *data)
{
    return (lrp_tensor){LRP_FLOAT, 4, {a, b, c, d}, (void *)data};
}

/* ==== §2: z-rules of weighted layers ====================================== */

/* y = W x + b as a dense layer (x (n, c), W (m, c)) or a convolution
 * (x (n, c, h, w), W (m, c/group, k, k), zero padding 'pad'). */
typedef struct layer {
    const char *what;
    bool conv;
    int64_t n, c, h, w, m, k, stride, pad, group, oh, ow;
    float *x, *wt, *b, *r; /* b NULL: no bias (zero-bias) */
    float *low, *high;     /* zbox bounds per input channel (c of them) */
    size_t nx, ny, nw;
} layer;

static void layer_init(layer *L)
{
    if (L->conv) {
        L->oh = (L->h + 2 * L->pad - L->k) / L->stride + 1;
        L->ow = (L->w + 2 * L->pad - L->k) / L->stride + 1;
        L->nx = (size_t)(L->n * L->c * L->h * L->w);
        L->ny = (size_t)(L->n * L->m * L->oh * L->ow);
        L->nw = (size_t)(L->m * (L->c / L->group) * L->k * L->k);
    } else {
        L->nx = (size_t)(L->n * L->c);
        L->ny = (size_t)(L->n * L->m);
        L->nw = (size_t)(L->m * L->c);
    }
}

/* One input of one output neuron: x index, W index, input channel. */
typedef struct tap {
    size_t xi, wi;
    int64_t ch;
} tap;

/* Fills t with every (in-bounds) input output j reads; returns how many.
 * *bias_ch gets j's output channel. */
static int taps_of(const layer *L, size_t j, tap *t, int64_t *bias_ch)
{
    int count = 0;
    if (!L->conv) {
        int64_t row = (int64_t)j / L->m, o = (int64_t)j % L->m;
        *bias_ch = o;
        for (int64_t i = 0; i < L->c; i++)
            t[count++] = (tap){(size_t)(row * L->c + i), (size_t)(o * L->c + i), i};
        return count;
    }
    int64_t ow = (int64_t)j % L->ow, oh = ((int64_t)j / L->ow) % L->oh;
    int64_t m = ((int64_t)j / (L->ow * L->oh)) % L->m, n = (int64_t)j / (L->ow * L->oh * L->m);
    int64_t cg = L->c / L->group, mg = L->m / L->group, grp = m / mg;
    *bias_ch = m;
    for (int64_t ci = 0; ci < cg; ci++)
        for (int64_t ki = 0; ki < L->k; ki++)
            for (int64_t kj = 0; kj < L->k; kj++) {
                int64_t hh = oh * L->stride - L->pad + ki, ww = ow * L->stride - L->pad + kj;
                if (hh < 0 || hh >= L->h || ww < 0 || ww >= L->w)
                    continue;
                int64_t ch = grp * cg + ci;
                t[count++] = (tap){(size_t)(((n * L->c + ch) * L->h + hh) * L->w + ww),
                                   (size_t)(((m * cg + ci) * L->k + ki) * L->k + kj), ch};
            }
    return count;
}

typedef enum ref_rule {
    REF_EPSILON,
    REF_ZPLUS,
    REF_ALPHA_BETA,
    REF_GAMMA,
    REF_FLAT,
    REF_WSQUARE,
    REF_ZBOX,
    REF_PAPER,
    REF_PAPER_FIRST,
} ref_rule;

typedef struct ref_params {
    const char *what;
    ref_rule rule;
    double alpha, beta; /* alpha-beta */
    bool paper_stab;    /* z + eps (the paper) instead of z + eps*sign(z) */
} ref_params;

static const double GAMMA = 0.3; /* not the default 0.25, so a hard-coded one shows */

static double pos(double v)
{
    return v > 0.0 ? v : 0.0;
}

static double neg(double v)
{
    return v < 0.0 ? v : 0.0;
}

static double ref_stab(bool paper, double eps, double z)
{
    return paper ? z + eps : z + (z >= 0.0 ? eps : -eps);
}

/* Method §2's table: one input's share of z in group g (group 1 = the β
 * part of alpha-beta, or gamma's y < 0 part). R_in of the input is its
 * share times R / stab(z). */
static double share(const ref_params *p, int g, double x, double w, double lo, double hi)
{
    double wp = w + GAMMA * pos(w), wn = w + GAMMA * neg(w);
    switch (p->rule) {
    case REF_EPSILON: return x * w;
    case REF_ZPLUS: return pos(x) * pos(w) + neg(x) * neg(w);
    case REF_ALPHA_BETA:
        return g == 0 ? pos(x) * pos(w) + neg(x) * neg(w) : pos(x) * neg(w) + neg(x) * pos(w);
    case REF_GAMMA: return g == 0 ? pos(x) * wp + neg(x) * wn : pos(x) * wn + neg(x) * wp;
    case REF_FLAT: return 1.0;
    case REF_WSQUARE: return w * w;
    case REF_ZBOX: return x * w - lo * pos(w) - hi * neg(w);
    case REF_PAPER: return x * pos(w);
    case REF_PAPER_FIRST: return pos(w);
    }
    return 0.0;
}

/* The bias's part of z in group g: flat zeroes it, zbox cancels it, the
 * paper drops it. */
static double bias_share(const ref_params *p, int g, double b)
{
    switch (p->rule) {
    case REF_EPSILON: return b;
    case REF_ZPLUS: return pos(b);
    case REF_ALPHA_BETA: return g == 0 ? pos(b) : neg(b);
    case REF_GAMMA: return g == 0 ? b + GAMMA * pos(b) : b + GAMMA * neg(b);
    case REF_WSQUARE: return b * b;
    default: return 0.0;
    }
}

/* Group g's factor on R: α and −β, gamma's gates [y > 0] and [y < 0]. */
static double group_factor(const ref_params *p, int g, double y)
{
    if (p->rule == REF_ALPHA_BETA)
        return g == 0 ? p->alpha : -p->beta;
    if (p->rule == REF_GAMMA)
        return (g == 0 ? y > 0.0 : y < 0.0) ? 1.0 : 0.0;
    return g == 0 ? 1.0 : 0.0;
}

/* R_in (nx) and per image the relevance the stabilizer keeps,
 * Σ_j factor R_j (stab(z_j) − z_j) / stab(z_j). */
static void reference(const layer *L, const ref_params *p, double eps, double *r_in,
                      double *absorbed)
{
    tap t[64];
    memset(r_in, 0, L->nx * sizeof *r_in);
    memset(absorbed, 0, (size_t)L->n * sizeof *absorbed);
    size_t per_image = L->ny / (size_t)L->n;
    for (size_t j = 0; j < L->ny; j++) {
        int64_t bc;
        int nt = taps_of(L, j, t, &bc);
        double b = L->b ? L->b[bc] : 0.0, y = b;
        for (int k = 0; k < nt; k++)
            y += (double)L->x[t[k].xi] * L->wt[t[k].wi];
        for (int g = 0; g < 2; g++) {
            double f = group_factor(p, g, y), z = bias_share(p, g, b);
            if (f == 0.0)
                continue;
            for (int k = 0; k < nt; k++)
                z += share(p, g, L->x[t[k].xi], L->wt[t[k].wi], L->low[t[k].ch],
                           L->high[t[k].ch]);
            double sz = ref_stab(p->paper_stab, eps, z);
            absorbed[j / per_image] += f * L->r[j] * (sz - z) / sz;
            for (int k = 0; k < nt; k++)
                r_in[t[k].xi] += share(p, g, L->x[t[k].xi], L->wt[t[k].wi], L->low[t[k].ch],
                                       L->high[t[k].ch]) *
                                 f * L->r[j] / sz;
        }
    }
}

/* ---- the kernel side: rule, weights, context ------------------------------ */

static lrp_zrule zrule_of(const ref_params *p, lrp_stab st)
{
    switch (p->rule) {
    case REF_EPSILON: return lrp_zrule_epsilon(st);
    case REF_ZPLUS: return lrp_zrule_zplus(st);
    case REF_ALPHA_BETA: return lrp_zrule_alpha_beta((float)p->alpha, (float)p->beta, st);
    case REF_GAMMA: return lrp_zrule_gamma(st);
    case REF_FLAT: return lrp_zrule_flat(st);
    case REF_WSQUARE: return lrp_zrule_wsquare(st);
    case REF_ZBOX: return lrp_zrule_zbox(st);
    case REF_PAPER: return lrp_zrule_paper(false, st);
    case REF_PAPER_FIRST: return lrp_zrule_paper(true, st);
    }
    return lrp_zrule_epsilon(st);
}

static float modified(lrp_w_mod mod, float v)
{
    float g = (float)GAMMA;
    switch (mod) {
    case LRP_W_POS: return v > 0.0f ? v : 0.0f;
    case LRP_W_NEG: return v < 0.0f ? v : 0.0f;
    case LRP_W_GAMMA_POS: return v + g * (v > 0.0f ? v : 0.0f);
    case LRP_W_GAMMA_NEG: return v + g * (v < 0.0f ? v : 0.0f);
    case LRP_W_ONES: return 1.0f;
    case LRP_W_SQUARE: return v * v;
    default: return v;
    }
}

/* W and b in every modified form the rule's terms name (lrp_weights'
 * contract: flat's bias, and every bias of a bias-free layer, is NULL). */
static void set_weights(lrp_rule *r, const layer *L)
{
    lrp_weights *w = &r->weights;
    *w = (lrp_weights){.is_conv = L->conv,
                       .out = L->m,
                       .in = L->conv ? L->c / L->group : L->c,
                       .w_count = L->nw,
                       .gamma = (float)GAMMA};
    bool used[LRP_W_MODS] = {[LRP_W_ID] = true};
    for (int t = 0; t < r->z.n_terms; t++)
        used[r->z.terms[t].w] = true;
    for (int mod = 0; mod < LRP_W_MODS; mod++) {
        if (!used[mod])
            continue;
        w->w[mod] = malloc(L->nw * sizeof(float));
        for (size_t i = 0; i < L->nw; i++)
            w->w[mod][i] = modified((lrp_w_mod)mod, L->wt[i]);
        if (!L->b || mod == LRP_W_ONES)
            continue;
        w->b[mod] = malloc((size_t)L->m * sizeof(float));
        for (int64_t o = 0; o < L->m; o++)
            w->b[mod][o] = modified((lrp_w_mod)mod, L->b[o]);
    }
}

static lrp_node layer_node(const layer *L)
{
    if (!L->conv)
        return make_node("Gemm", NULL, 0, NULL, 0);
    attr_spec specs[] = {
        {"kernel_shape", 2, {L->k, L->k}},
        {"strides", 2, {L->stride, L->stride}},
        {"pads", 4, {L->pad, L->pad, L->pad, L->pad}},
    };
    return make_node("Conv", specs, 3, "group", L->group);
}

/* Runs lrp_z_apply; r_in (nx floats) and absorbed (n doubles) are set. */
static void run_z(const layer *L, const ref_params *p, lrp_stab st, float *r_in,
                  double *absorbed)
{
    lrp_rule rule = {.kind = LRP_RULE_Z,
                     .stab = st,
                     .z = zrule_of(p, st),
                     .low = L->low,
                     .high = L->high,
                     .n_bounds = (int)L->c};
    rule.name = rule.z.name;
    set_weights(&rule, L);
    lrp_node node = layer_node(L);
    lrp_tensor x = L->conv ? tensor4(L->n, L->c, L->h, L->w, L->x)
                           : (lrp_tensor){LRP_FLOAT, 2, {L->n, L->c}, L->x};
    lrp_tensor w = L->conv ? tensor4(L->m, L->c / L->group, L->k, L->k, L->wt)
                           : (lrp_tensor){LRP_FLOAT, 2, {L->m, L->c}, L->wt};
    lrp_tensor b = {LRP_FLOAT, 1, {L->m}, L->b};
    lrp_tensor y = L->conv ? tensor4(L->n, L->m, L->oh, L->ow, NULL)
                           : (lrp_tensor){LRP_FLOAT, 2, {L->n, L->m}, NULL};
    const lrp_tensor *in[3] = {&x, &w, L->b ? &b : NULL};
    size_t scratch_n = lrp_z_scratch_floats(&rule, &node, in, &y);
    CHECK(scratch_n == lrp_rule_scratch_floats(&rule, &node, in, &y),
          "lrp_rule_scratch_floats disagrees with lrp_z_scratch_floats");
    float *scratch = malloc(scratch_n * sizeof *scratch);
    memset(r_in, 0, L->nx * sizeof *r_in);
    memset(absorbed, 0, (size_t)L->n * sizeof *absorbed);
    float *r_ins[3] = {r_in, NULL, NULL};
    lrp_rule_ctx ctx = {.node = &node,
                        .rule = &rule,
                        .in = in,
                        .out = &y,
                        .r_out = L->r,
                        .r_in = r_ins,
                        .scratch = scratch,
                        .n_images = (int)L->n,
                        .absorbed = absorbed};
    CHECK(lrp_rule_kernel(LRP_RULE_Z) == lrp_z_apply, "LRP_RULE_Z is not lrp_z_apply");
    lrp_z_apply(&ctx);
    free(scratch);
    free_node(&node);
    lrp_weights_free(&rule.weights);
}

static const ref_params RULES[] = {
    {"epsilon", REF_EPSILON, 0, 0, false},
    {"zplus", REF_ZPLUS, 0, 0, false},
    {"alpha-beta(2,1)", REF_ALPHA_BETA, 2, 1, false},
    {"alpha-beta(1,0)", REF_ALPHA_BETA, 1, 0, false},
    {"gamma", REF_GAMMA, 0, 0, false},
    {"flat", REF_FLAT, 0, 0, false},
    {"wsquare", REF_WSQUARE, 0, 0, false},
    {"zbox", REF_ZBOX, 0, 0, false},
    {"paper(false)", REF_PAPER, 0, 0, true},
    {"paper(true)", REF_PAPER_FIRST, 0, 0, true},
};

/* R_in against the formula; with a large eps, also the absorbed relevance. */
static void check_rule(const layer *L, const ref_params *p, double eps)
{
    lrp_stab st = {p->paper_stab, (float)eps};
    float *got = malloc(L->nx * sizeof *got);
    double *want = malloc(L->nx * sizeof *want);
    double abs_got[8], abs_want[8];
    run_z(L, p, st, got, abs_got);
    reference(L, p, eps, want, abs_want);
    double e = rel_error(got, want, L->nx);
    CHECK(e <= 1e-5, "%s, %s, eps %g: R_in differs from method §2 by %.3g (relative)", L->what,
          p->what, eps, e);
    for (int64_t i = 0; i < L->n; i++) {
        /* float (stab(z) - z) is exact only to ulp(z); judge it with a large eps */
        double tol = eps >= 1e-2 ? 1e-4 * fabs(abs_want[i]) + 1e-9
                                 : 1e-2 * fabs(abs_want[i]) + 1e-6;
        CHECK(fabs(abs_got[i] - abs_want[i]) <= tol,
              "%s, %s, eps %g: image %lld absorbed %.9g, formula %.9g", L->what, p->what, eps,
              (long long)i, abs_got[i], abs_want[i]);
    }
    free(got);
    free(want);
}

/* Zero-bias zplus, flat and epsilon pass on all of R but what the
 * stabilizer keeps: Σ R_in + Σ absorbed = Σ R per image. */
static void check_conservation(const layer *L, const ref_params *p)
{
    float *got = malloc(L->nx * sizeof *got);
    double absorbed[8];
    run_z(L, p, (lrp_stab){false, 1e-6f}, got, absorbed);
    size_t xi = L->nx / (size_t)L->n, yi = L->ny / (size_t)L->n;
    for (int64_t i = 0; i < L->n; i++) {
        double in = 0.0, out = 0.0, mag = 0.0;
        for (size_t k = 0; k < xi; k++)
            in += got[(size_t)i * xi + k];
        for (size_t k = 0; k < yi; k++) {
            out += L->r[(size_t)i * yi + k];
            mag += fabs(L->r[(size_t)i * yi + k]);
        }
        CHECK(fabs(in + absorbed[i] - out) <= 1e-6 * mag,
              "%s, zero-bias %s: image %lld: sum R_in %.9g + absorbed %.3g != sum R %.9g",
              L->what, p->what, (long long)i, in, absorbed[i], out);
    }
    free(got);
}

static void fill_layer(layer *L, float x_lo, float x_hi, bool bias)
{
    layer_init(L);
    L->x = random_buf(L->nx, x_lo, x_hi);
    L->wt = random_buf(L->nw, -1.0f, 1.0f);
    L->b = bias ? random_buf((size_t)L->m, -0.5f, 0.5f) : NULL;
    L->r = random_buf(L->ny, -1.0f, 1.0f);
    L->low = malloc((size_t)L->c * sizeof(float));
    L->high = malloc((size_t)L->c * sizeof(float));
    for (int64_t c = 0; c < L->c; c++) { /* bounds around x's range, per channel */
        L->low[c] = x_lo - 0.1f * (float)(c + 1);
        L->high[c] = x_hi + 0.2f * (float)(c + 1);
    }
}

static void free_layer(layer *L)
{
    free(L->x), free(L->wt), free(L->b), free(L->r), free(L->low), free(L->high);
}

static void check_z_rules(void)
{
    layer layers[] = {
        {.what = "dense 4x6", .n = 2, .c = 6, .m = 4},
        {.what = "conv 3->4 3x3 s2 p1",
         .conv = true,
         .n = 2,
         .c = 3,
         .h = 5,
         .w = 6,
         .m = 4,
         .k = 3,
         .stride = 2,
         .pad = 1,
         .group = 1},
        {.what = "conv 4->6 3x3 p1 group 2",
         .conv = true,
         .n = 2,
         .c = 4,
         .h = 4,
         .w = 4,
         .m = 6,
         .k = 3,
         .stride = 1,
         .pad = 1,
         .group = 2},
    };
    for (size_t l = 0; l < COUNT(layers); l++) {
        layer *L = &layers[l];
        fill_layer(L, -1.0f, 1.0f, true);
        for (size_t r = 0; r < COUNT(RULES); r++) {
            /* the paper's z = W⁺x is meant for x >= 0 (checked below); on mixed
               signs it cancels to ~0 in float, so only the large eps here */
            if (!RULES[r].paper_stab)
                check_rule(L, &RULES[r], 1e-6);
            check_rule(L, &RULES[r], 0.05);
        }
        free(L->b);
        L->b = NULL; /* zero-bias */
        for (size_t r = 0; r < COUNT(RULES); r++)
            check_rule(L, &RULES[r], 0.05);
        for (int r = 0; r < 3; r++) /* epsilon, zplus ... and flat */
            check_conservation(L, &RULES[r == 2 ? 5 : r]);
        free_layer(L);
    }
}

/* x ≥ 0 (after a ReLU) and x ≤ 0 everywhere (a normalized black image at
 * the first layer): the rules must still use the bias as the table says. */
static void check_one_signed_inputs(void)
{
    const struct {
        const char *what;
        float lo, hi;
        bool conv;
    } cases[] = {
        {"dense, x >= 0", 0.0f, 1.0f, false},
        {"conv, x >= 0", 0.0f, 1.0f, true},
        {"dense, x <= 0", -1.0f, 0.0f, false},
        {"conv, x <= 0", -1.0f, 0.0f, true},
    };
    for (size_t k = 0; k < COUNT(cases); k++) {
        layer L = {.what = cases[k].what, .n = 2, .c = 6, .m = 4};
        if (cases[k].conv)
            L = (layer){.what = cases[k].what,
                        .conv = true,
                        .n = 1,
                        .c = 3,
                        .h = 4,
                        .w = 4,
                        .m = 4,
                        .k = 3,
                        .stride = 2,
                        .pad = 1,
                        .group = 1};
        fill_layer(&L, cases[k].lo, cases[k].hi, true);
        if (cases[k].lo == 0.0f)
            L.x[1] = L.x[4] = 0.0f;
        L.b[0] = 0.4f, L.b[1] = -0.3f; /* both signs: b⁺ and b⁻ both matter */
        for (size_t r = 0; r < COUNT(RULES); r++)
            check_rule(&L, &RULES[r], RULES[r].paper_stab ? 1e-5 : 1e-6);
        free_layer(&L);
    }
}

/* sign(0) = +1 for zennit's stabilizer; the paper adds eps unsigned. */
static void check_stabilizers(void)
{
    lrp_stab zennit = {false, 1e-6f}, paper = {true, 1e-5f};
    CHECK(lrp_stabilize(zennit, 0.0f) == 1e-6f, "signed stab(0) = %g, want +1e-6",
          lrp_stabilize(zennit, 0.0f));
    CHECK(lrp_stabilize(zennit, -0.5f) == -0.5f - 1e-6f, "signed stab(-0.5) = %.9g",
          lrp_stabilize(zennit, -0.5f));
    CHECK(lrp_stabilize(paper, -0.5f) == -0.5f + 1e-5f, "unsigned stab(-0.5) = %.9g",
          lrp_stabilize(paper, -0.5f));

    /* z = 0 exactly: epsilon passes R / +eps, and all of R counts as absorbed */
    float x[2] = {1.0f, -1.0f}, w[2] = {1.0f, 1.0f}, r[1] = {0.5f}, zero[2] = {0, 0};
    layer L = {.what = "dense 1x2, z = 0",
               .n = 1,
               .c = 2,
               .m = 1,
               .x = x,
               .wt = w,
               .r = r,
               .low = zero,
               .high = zero};
    layer_init(&L);
    float got[2];
    double absorbed;
    run_z(&L, &RULES[0], zennit, got, &absorbed);
    CHECK(got[0] == 0.5f / 1e-6f && got[1] == -0.5f / 1e-6f,
          "z = 0: R_in (%g, %g), want (+5e5, -5e5) (sign(0) = +1)", got[0], got[1]);
    CHECK(fabs(absorbed - 0.5) < 1e-7, "z = 0: absorbed %g, want all of R = 0.5", absorbed);

    /* paper rule with a negative z: z + eps, not z - eps */
    float xp[2] = {1.0f, -1.0f}, wp[2] = {0.25f, 0.75f};
    L.x = xp, L.wt = wp;
    run_z(&L, &RULES[8], paper, got, &absorbed);
    double z = -0.5, want0 = 0.25 * 0.5 / (z + 1e-5), want1 = -0.75 * 0.5 / (z + 1e-5);
    CHECK(fabs(got[0] - want0) <= 1e-6 * fabs(want0) &&
              fabs(got[1] - want1) <= 1e-6 * fabs(want1),
          "paper, z = -0.5: R_in (%.9g, %.9g), want (%.9g, %.9g) from z + 1e-5", got[0], got[1],
          want0, want1);
}

/* ---- lrp_weights_build on a tiny graph ------------------------------------ */

typedef struct tiny_graph {
    lrp_graph g;
    lrp_value values[8];
    int inputs[8];
} tiny_graph;

/* Value 0 is the activation; values 1.. the given constants. */
static void tiny_init(tiny_graph *t, const lrp_tensor *consts, int n_consts)
{
    memset(t, 0, sizeof *t);
    t->values[0] = (lrp_value){.name = "x", .tensor = {LRP_FLOAT, 2, {2, 6}, NULL}};
    for (int i = 0; i < n_consts; i++)
        t->values[1 + i] = (lrp_value){.name = "const", .tensor = consts[i], .producer = -1};
    t->g.values = t->values;
    t->g.n_values = n_consts + 1;
}

/* A node reading values 0 .. n_inputs-1. */
static lrp_node tiny_node(tiny_graph *t, const char *op_type, int n_inputs, void *params)
{
    for (int i = 0; i < n_inputs; i++)
        t->inputs[i] = i;
    return (lrp_node){.name = "tiny",
                      .op_type = (char *)op_type,
                      .op = lrp_op_find(op_type),
                      .inputs = t->inputs,
                      .n_inputs = n_inputs,
                      .params = params};
}

static void check_weights_build(void)
{
    float B[24], C[4];
    for (int i = 0; i < 24; i++)
        B[i] = (float)(i % 7) - 3.0f;
    for (int i = 0; i < 4; i++)
        C[i] = 0.5f - (float)i * 0.4f;
    /* Gemm, transB = 0: W (4, 6) = alpha Bᵀ, b = beta C */
    tiny_graph t;
    lrp_tensor consts[2] = {{LRP_FLOAT, 2, {6, 4}, B}, {LRP_FLOAT, 1, {4}, C}};
    tiny_init(&t, consts, 2);
    lrp_gemm_params gp = {.alpha = 0.5f, .beta = 2.0f};
    lrp_node gemm = tiny_node(&t, "Gemm", 3, &gp);
    lrp_rule r = {.kind = LRP_RULE_Z, .z = lrp_zrule_gamma((lrp_stab){false, 1e-6f})};
    lrp_error err = {0};
    CHECK(lrp_weights_build(&r, &t.g, &gemm, NULL, NULL, false, (float)GAMMA, &err) == LRP_OK,
          "Gemm weights: %s", err.message);
    for (int o = 0; o < 4; o++) {
        for (int i = 0; i < 6; i++) {
            float w = 0.5f * B[i * 4 + o];
            CHECK(r.weights.w[LRP_W_ID][o * 6 + i] == w, "Gemm W[%d][%d] = %g, want %g", o, i,
                  r.weights.w[LRP_W_ID][o * 6 + i], w);
            CHECK(fabsf(r.weights.w[LRP_W_GAMMA_POS][o * 6 + i] -
                        modified(LRP_W_GAMMA_POS, w)) < 1e-6f,
                  "Gemm W + gamma W+ [%d][%d]", o, i);
        }
        CHECK(r.weights.b[LRP_W_ID][o] == 2.0f * C[o], "Gemm b[%d] = %g, want %g", o,
              r.weights.b[LRP_W_ID][o], 2.0f * C[o]);
        CHECK(fabsf(r.weights.b[LRP_W_GAMMA_NEG][o] - modified(LRP_W_GAMMA_NEG, 2.0f * C[o])) <
                  1e-6f,
              "Gemm b + gamma b- [%d]", o);
    }
    CHECK(r.weights.out == 4 && r.weights.in == 6 && !r.weights.is_conv,
          "Gemm sizes %lld x %lld", (long long)r.weights.out, (long long)r.weights.in);
    lrp_weights_free(&r.weights);
    CHECK(lrp_weights_build(&r, &t.g, &gemm, NULL, NULL, true, (float)GAMMA, &err) == LRP_OK,
          "Gemm zero-bias: %s", err.message);
    for (int m = 0; m < LRP_W_MODS; m++)
        CHECK(!r.weights.b[m], "zero-bias leaves b[%d] set", m);
    lrp_weights_free(&r.weights);

    /* MatMul: W = Bᵀ, no bias */
    lrp_node mm = tiny_node(&t, "MatMul", 2, NULL);
    r.z = lrp_zrule_epsilon((lrp_stab){false, 1e-6f});
    CHECK(lrp_weights_build(&r, &t.g, &mm, NULL, NULL, false, 0.25f, &err) == LRP_OK,
          "MatMul: %s", err.message);
    CHECK(r.weights.w[LRP_W_ID][1 * 6 + 5] == B[5 * 4 + 1] && !r.weights.b[LRP_W_ID],
          "MatMul W[1][5] = %g, want %g (and no bias)", r.weights.w[LRP_W_ID][1 * 6 + 5],
          B[5 * 4 + 1]);
    lrp_weights_free(&r.weights);
}

/* Conv without bias followed by BN: W' = W a, b' = (0 − mean) a + beta,
 * a = scale / sqrt(var + eps). */
static void check_bn_fold(void)
{
    float W[2 * 1 * 1 * 1] = {2.0f, -3.0f}, scale[2] = {1.5f, -0.5f}, beta[2] = {0.1f, 0.2f};
    float mean[2] = {0.3f, -0.4f}, var[2] = {0.8f, 2.0f};
    tiny_graph t;
    lrp_tensor consts[5] = {tensor4(2, 1, 1, 1, W),
                            {LRP_FLOAT, 1, {2}, scale},
                            {LRP_FLOAT, 1, {2}, beta},
                            {LRP_FLOAT, 1, {2}, mean},
                            {LRP_FLOAT, 1, {2}, var}};
    tiny_init(&t, consts, 5);
    lrp_node conv = tiny_node(&t, "Conv", 2, NULL);
    t.inputs[2] = 0; /* BN reads the Conv's output; its value is never looked at */
    lrp_bn_params bp = {.epsilon = 1e-3f};
    lrp_node bn = {.name = "bn",
                   .op_type = "BatchNormalization",
                   .inputs = t.inputs + 2,
                   .n_inputs = 5,
                   .params = &bp};
    for (int i = 1; i < 5; i++)
        t.inputs[2 + i] = 1 + i;
    lrp_rule r = {.kind = LRP_RULE_Z, .z = lrp_zrule_epsilon((lrp_stab){false, 1e-6f})};
    lrp_error err = {0};
    CHECK(lrp_weights_build(&r, &t.g, &conv, &bn, NULL, false, 0.25f, &err) == LRP_OK,
          "BN fold: %s", err.message);
    for (int m = 0; m < 2; m++) {
        double a = scale[m] / sqrt(var[m] + 1e-3);
        double w = W[m] * a, b = -mean[m] * a + beta[m];
        CHECK(fabs(r.weights.w[LRP_W_ID][m] - w) < 1e-6 &&
                  fabs(r.weights.b[LRP_W_ID][m] - b) < 1e-6,
              "BN fold channel %d: W %g b %g, want %g %g", m, r.weights.w[LRP_W_ID][m],
              r.weights.b[LRP_W_ID][m], w, b);
    }
    lrp_weights_free(&r.weights);
}

/* ==== the other kernels ==================================================== */

/* A context with one output; r_in slots as given. */
static lrp_rule_ctx ctx_of(const lrp_node *n, const lrp_rule *r, const lrp_tensor *const *in,
                           const lrp_tensor *out, const float *r_out, float *const *r_in,
                           int n_images, double *absorbed)
{
    return (lrp_rule_ctx){.node = n,
                          .rule = r,
                          .in = in,
                          .out = out,
                          .r_out = r_out,
                          .r_in = r_in,
                          .n_images = n_images,
                          .absorbed = absorbed};
}

/* ---- §4 split rules ---- */

enum { SPLIT_N = 6 };
static const float SPLIT_M[SPLIT_N] = {2.0f, -1.0f, 0.0f, 3.0f, 0.5f, -2.0f};
static const float SPLIT_S[SPLIT_N] = {1.0f, 3.0f, 0.0f, -3.0f, 0.5f, 1.0f};
static const float SPLIT_R[SPLIT_N] = {1.0f, 2.0f, 3.0f, -1.0f, 0.5f, 4.0f};
/* ratio's rho = |M| / (|M| + |S|), 0.5 where both are 0 */
static const double SPLIT_RHO[SPLIT_N] = {2.0 / 3, 1.0 / 4, 0.5, 0.5, 0.5, 2.0 / 3};

/* Runs lrp_split_apply with M in slot m_slot; fills r_m, r_s. */
static void run_split(lrp_split split, lrp_shortcut_kind kind, int m_slot, float *r_m,
                      float *r_s, double *absorbed)
{
    lrp_node node = {.name = "add", .op_type = "Add", .n_inputs = 2};
    lrp_residual res = {.kind = kind, .shortcut_conv = kind == LRP_SHORTCUT_IDENTITY ? -1 : 3};
    lrp_rule rule = {.kind = LRP_RULE_SPLIT,
                     .stab = {false, 1e-6f},
                     .split = split,
                     .mainstream_slot = m_slot,
                     .residual = &res};
    lrp_tensor m = tensor4(1, 1, 2, 3, SPLIT_M), s = tensor4(1, 1, 2, 3, SPLIT_S);
    float y[SPLIT_N];
    for (int i = 0; i < SPLIT_N; i++)
        y[i] = SPLIT_M[i] + SPLIT_S[i];
    lrp_tensor out = tensor4(1, 1, 2, 3, y);
    const lrp_tensor *in[2] = {m_slot ? &s : &m, m_slot ? &m : &s};
    memset(r_m, 0, SPLIT_N * sizeof *r_m);
    memset(r_s, 0, SPLIT_N * sizeof *r_s);
    float *r_in[2] = {m_slot ? r_s : r_m, m_slot ? r_m : r_s};
    *absorbed = 0.0;
    lrp_rule_ctx c = ctx_of(&node, &rule, in, &out, SPLIT_R, r_in, 1, absorbed);
    lrp_split_apply(&c);
}

static void check_split_case(const char *what, lrp_split split, lrp_shortcut_kind kind,
                             const double *want_m, const double *want_s)
{
    for (int m_slot = 0; m_slot < 2; m_slot++) {
        float r_m[SPLIT_N], r_s[SPLIT_N];
        double absorbed;
        run_split(split, kind, m_slot, r_m, r_s, &absorbed);
        double em = rel_error(r_m, want_m, SPLIT_N), es = rel_error(r_s, want_s, SPLIT_N);
        CHECK(em <= 1e-6 && es <= 1e-6, "split %s (M in slot %d): R_M off by %.3g, R_S by %.3g",
              what, m_slot, em, es);
        for (int i = 0; split != LRP_SPLIT_PROPORTIONAL && i < SPLIT_N; i++)
            CHECK(r_m[i] + r_s[i] == SPLIT_R[i], "split %s: R_M + R_S = %.9g != R = %g at %d",
                  what, r_m[i] + r_s[i], SPLIT_R[i], i);
        if (split != LRP_SPLIT_PROPORTIONAL) {
            CHECK(absorbed == 0.0, "split %s absorbed %g, want 0", what, absorbed);
            continue;
        }
        double want_abs = 0.0; /* Σ R (stab(M+S) − (M+S)) / stab(M+S) */
        for (int i = 0; i < SPLIT_N; i++) {
            double z = (double)SPLIT_M[i] + SPLIT_S[i], sz = ref_stab(false, 1e-6, z);
            want_abs += SPLIT_R[i] * (sz - z) / sz;
        }
        CHECK(fabs(absorbed - want_abs) <= 1e-6, "split %s absorbed %.9g, want %.9g", what,
              absorbed, want_abs);
    }
}

static void check_splits(void)
{
    double ratio_m[SPLIT_N], ratio_s[SPLIT_N], half[SPLIT_N], all[SPLIT_N], none[SPLIT_N];
    double prop_m[SPLIT_N], prop_s[SPLIT_N];
    for (int i = 0; i < SPLIT_N; i++) {
        ratio_m[i] = SPLIT_RHO[i] * SPLIT_R[i];
        ratio_s[i] = (1.0 - SPLIT_RHO[i]) * SPLIT_R[i];
        half[i] = SPLIT_R[i] / 2.0;
        all[i] = SPLIT_R[i];
        none[i] = 0.0;
        double sz = ref_stab(false, 1e-6, (double)SPLIT_M[i] + SPLIT_S[i]);
        prop_m[i] = SPLIT_M[i] * SPLIT_R[i] / sz; /* at M + S = 0: ±3e6, sign(0) = +1 */
        prop_s[i] = SPLIT_S[i] * SPLIT_R[i] / sz;
    }
    const lrp_shortcut_kind id = LRP_SHORTCUT_IDENTITY, proj = LRP_SHORTCUT_PROJECTION;
    check_split_case("proportional", LRP_SPLIT_PROPORTIONAL, proj, prop_m, prop_s);
    check_split_case("ratio", LRP_SPLIT_RATIO, id, ratio_m, ratio_s);
    check_split_case("ratio (projection)", LRP_SPLIT_RATIO, proj, ratio_m, ratio_s);
    check_split_case("symmetric", LRP_SPLIT_SYMMETRIC, id, half, half);
    check_split_case("ratio-projection-only at identity", LRP_SPLIT_RATIO_PROJECTION_ONLY, id,
                     all, none);
    check_split_case("ratio-projection-only at projection", LRP_SPLIT_RATIO_PROJECTION_ONLY,
                     proj, ratio_m, ratio_s);
    check_split_case("symmetric-projection-only at identity",
                     LRP_SPLIT_SYMMETRIC_PROJECTION_ONLY, id, all, none);
    check_split_case("symmetric-projection-only at projection",
                     LRP_SPLIT_SYMMETRIC_PROJECTION_ONLY, proj, half, half);
}

/* ---- §3 MaxPool: winner takes all ---- */

static void run_pool_kernel(lrp_rule_fn fn, lrp_node *node, lrp_rule *rule, lrp_tensor *x,
                            lrp_tensor *y, const float *r, float *r_in, double *absorbed)
{
    const lrp_tensor *in[1] = {x};
    float *r_ins[1] = {r_in};
    memset(r_in, 0, lrp_tensor_count(x) * sizeof *r_in);
    memset(absorbed, 0, (size_t)x->dims[0] * sizeof *absorbed);
    lrp_rule_ctx c = ctx_of(node, rule, in, y, r, r_ins, (int)x->dims[0], absorbed);
    fn(&c);
}

static void check_wta(void)
{
    /* 2x2 stride 2; ties: (0,1) before (1,0); (2,0) first of three 5s; -1 at (2,2) first */
    const float x[16] = {1, 3, 0, 0, 3, 2, 0, 0, 5, 5, -1, -2, 5, 1, -3, -1};
    const float r[4] = {1, 2, 3, 4};
    const float want[16] = {0, 1, 2, 0, 0, 0, 0, 0, 3, 0, 4, 0, 0, 0, 0, 0};
    attr_spec k2[] = {{"kernel_shape", 2, {2, 2}}, {"strides", 2, {2, 2}}};
    lrp_node node = make_node("MaxPool", k2, 2, NULL, 0);
    lrp_rule rule = {.kind = LRP_RULE_WTA};
    lrp_tensor xt = tensor4(1, 1, 4, 4, x), yt = tensor4(1, 1, 2, 2, NULL);
    float got[16];
    double absorbed;
    run_pool_kernel(lrp_wta_apply, &node, &rule, &xt, &yt, r, got, &absorbed);
    for (int i = 0; i < 16; i++)
        CHECK(got[i] == want[i], "MaxPool 2x2 ties: R_in[%d] = %g, want %g", i, got[i],
              want[i]);
    free_node(&node);

    /* 3x3 stride 2 pad 1 on a constant negative plane: padding never wins,
     * each window's first in-bounds element does */
    float xn[16];
    for (int i = 0; i < 16; i++)
        xn[i] = -7.0f;
    const float want_pad[16] = {1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    attr_spec k3[] = {{"kernel_shape", 2, {3, 3}},
                      {"strides", 2, {2, 2}},
                      {"pads", 4, {1, 1, 1, 1}}};
    node = make_node("MaxPool", k3, 3, NULL, 0);
    xt.data = xn;
    run_pool_kernel(lrp_wta_apply, &node, &rule, &xt, &yt, r, got, &absorbed);
    for (int i = 0; i < 16; i++)
        CHECK(got[i] == want_pad[i], "MaxPool 3x3 p1 ties: R_in[%d] = %g, want %g", i, got[i],
              want_pad[i]);
    free_node(&node);
}

/* ---- §3 Norm: GlobalAveragePool and AveragePool ---- */

static void check_global_pool(void)
{
    float *x = random_buf(16, -1.0f, 1.0f), y[4], r[4] = {0.7f, -0.2f, 1.0f, 0.4f}, got[16];
    double want[16], want_abs[2] = {0, 0}, absorbed[2];
    lrp_stab st = {false, 0.05f};
    for (int p = 0; p < 4; p++) {
        double sum = 0.0;
        for (int k = 0; k < 4; k++)
            sum += x[p * 4 + k];
        y[p] = (float)(sum / 4.0);
        double sy = ref_stab(false, 0.05, y[p]);
        for (int k = 0; k < 4; k++) /* x_i R / (k stab(y)) */
            want[p * 4 + k] = x[p * 4 + k] * r[p] / (4.0 * sy);
        want_abs[p / 2] += r[p] * (sy - y[p]) / sy;
    }
    lrp_node node = make_node("GlobalAveragePool", NULL, 0, NULL, 0);
    lrp_rule rule = {.kind = LRP_RULE_NORM_POOL, .stab = st};
    lrp_tensor xt = tensor4(2, 2, 2, 2, x), yt = tensor4(2, 2, 1, 1, y);
    run_pool_kernel(lrp_norm_apply, &node, &rule, &xt, &yt, r, got, absorbed);
    double e = rel_error(got, want, 16);
    CHECK(e <= 1e-6, "GlobalAveragePool: R_in off by %.3g", e);
    for (int i = 0; i < 2; i++)
        CHECK(fabs(absorbed[i] - want_abs[i]) <= 1e-6,
              "GlobalAveragePool absorbed[%d] %g, want %g", i, absorbed[i], want_abs[i]);
    free(x);
    free_node(&node);
}

/* 3x3 stride 2 pad 1 on 4x4: y and R_in from the windows, counted with or
 * without the padding. */
static void check_average_pool(int64_t include_pad)
{
    float *x = random_buf(16, -0.5f, 1.0f), y[4], r[4] = {1.0f, -0.5f, 2.0f, 0.25f}, got[16];
    double want[16] = {0}, want_abs = 0.0, absorbed;
    for (int o = 0; o < 4; o++) {
        int oh = o / 2, ow = o % 2, count = 0;
        double sum = 0.0;
        for (int h = 2 * oh - 1; h <= 2 * oh + 1; h++)
            for (int w = 2 * ow - 1; w <= 2 * ow + 1; w++)
                if (h >= 0 && h < 4 && w >= 0 && w < 4)
                    sum += x[h * 4 + w], count++;
        count = include_pad ? 9 : count;
        y[o] = (float)(sum / count);
        double sy = ref_stab(false, 1e-6, y[o]);
        want_abs += r[o] * (sy - y[o]) / sy;
        for (int h = 2 * oh - 1; h <= 2 * oh + 1; h++)
            for (int w = 2 * ow - 1; w <= 2 * ow + 1; w++)
                if (h >= 0 && h < 4 && w >= 0 && w < 4)
                    want[h * 4 + w] += x[h * 4 + w] * r[o] / (count * sy);
    }
    attr_spec k3[] = {{"kernel_shape", 2, {3, 3}},
                      {"strides", 2, {2, 2}},
                      {"pads", 4, {1, 1, 1, 1}}};
    lrp_node node = make_node("AveragePool", k3, 3, "count_include_pad", include_pad);
    lrp_rule rule = {.kind = LRP_RULE_NORM_POOL, .stab = {false, 1e-6f}};
    lrp_tensor xt = tensor4(1, 1, 4, 4, x), yt = tensor4(1, 1, 2, 2, y);
    run_pool_kernel(lrp_norm_apply, &node, &rule, &xt, &yt, r, got, &absorbed);
    double e = rel_error(got, want, 16);
    CHECK(e <= 1e-5, "AveragePool count_include_pad=%lld: R_in off by %.3g",
          (long long)include_pad, e);
    CHECK(fabs(absorbed - want_abs) <= 1e-6, "AveragePool absorbed %g, want %g", absorbed,
          want_abs);
    free(x);
    free_node(&node);
}

/* ---- §5 the paper's 2x2 average rule ---- */

static void check_avg2x2(void)
{
    float *x = random_buf(32, 0.0f, 1.0f), *r = random_buf(8, 0.1f, 1.0f), got[32];
    x[5] = x[6] = x[9] = x[10] = 0.0f; /* a window of zeros: mean + eps */
    double want[32], want_abs = 0.0, absorbed;
    for (int c = 0; c < 2; c++)
        for (int oh = 0; oh < 2; oh++)
            for (int ow = 0; ow < 2; ow++) {
                double mean = 0.0;
                for (int h = 2 * oh; h < 2 * oh + 2; h++)
                    for (int w = 2 * ow; w < 2 * ow + 2; w++)
                        mean += x[(c * 4 + h) * 4 + w] / 4.0;
                double rr = r[(c * 2 + oh) * 2 + ow];
                want_abs += rr * 1e-5 / (mean + 1e-5);
                for (int h = 2 * oh; h < 2 * oh + 2; h++)
                    for (int w = 2 * ow; w < 2 * ow + 2;
                         w++) /* a R[h/2, w/2] / (4 (mean + eps)) */
                        want[(c * 4 + h) * 4 + w] = x[(c * 4 + h) * 4 + w] * rr /
                                                    (4.0 * (mean + 1e-5));
            }
    attr_spec k3[] = {{"kernel_shape", 2, {3, 3}},
                      {"strides", 2, {2, 2}},
                      {"pads", 4, {1, 1, 1, 1}}};
    lrp_node node = make_node("MaxPool", k3, 3, NULL, 0);
    lrp_rule rule = {.kind = LRP_RULE_AVG2X2, .stab = {true, 1e-5f}};
    lrp_tensor xt = tensor4(1, 2, 4, 4, x), yt = tensor4(1, 2, 2, 2, NULL);
    run_pool_kernel(lrp_avg2x2_apply, &node, &rule, &xt, &yt, r, got, &absorbed);
    double e = rel_error(got, want, 32);
    CHECK(e <= 1e-5, "avg2x2: R_in off by %.3g", e);
    /* the zero window keeps all of its R; elsewhere float (stab − z) is rough */
    CHECK(fabs(absorbed - want_abs) <= 1e-6, "avg2x2 absorbed %.9g, want %.9g", absorbed,
          want_abs);
    free(x);
    free(r);
    free_node(&node);
}

/* ---- §3 Add / Sub: the proportional rule and a constant bias ---- */

static void check_sum(void)
{
    const float a[6] = {1.0f, -2.0f, 0.5f, 3.0f, -1.0f, 0.25f};
    const float b[6] = {2.0f, 1.0f, -0.5f, -1.0f, -1.0f, 0.75f};
    const float r[6] = {1.0f, 0.5f, 2.0f, -1.0f, 1.0f, 3.0f};
    const float bias[2] = {0.5f, -0.25f}; /* per channel: (1, 2, 1, 3) broadcast */
    float y[6], ra[6], rb[6];
    double wa[6], wb[6], absorbed[2];
    lrp_stab st = {false, 1e-6f};
    lrp_rule rule = {.kind = LRP_RULE_NORM_SUM, .stab = st};
    const char *ops[2] = {"Add", "Sub"};
    for (int k = 0; k < 2; k++) { /* two activations: x R / stab(y) each, Sub's b negated */
        double sign = k ? -1.0 : 1.0;
        for (int i = 0; i < 6; i++) {
            y[i] = a[i] + (float)sign * b[i];
            double sy = ref_stab(false, 1e-6, y[i]);
            wa[i] = a[i] * r[i] / sy;
            wb[i] = sign * b[i] * r[i] / sy;
        }
        lrp_node node = {.name = "sum",
                         .op_type = (char *)ops[k],
                         .op = lrp_op_find(ops[k]),
                         .n_inputs = 2};
        lrp_tensor at = tensor4(2, 1, 1, 3, a), bt = tensor4(2, 1, 1, 3, b);
        lrp_tensor yt = tensor4(2, 1, 1, 3, y);
        const lrp_tensor *in[2] = {&at, &bt};
        memset(ra, 0, sizeof ra), memset(rb, 0, sizeof rb),
            memset(absorbed, 0, sizeof absorbed);
        float *r_in[2] = {ra, rb};
        lrp_rule_ctx c = ctx_of(&node, &rule, in, &yt, r, r_in, 2, absorbed);
        lrp_sum_apply(&c);
        CHECK(rel_error(ra, wa, 6) <= 1e-6 && rel_error(rb, wb, 6) <= 1e-6,
              "%s of two activations: R_in off by %.3g / %.3g", ops[k], rel_error(ra, wa, 6),
              rel_error(rb, wb, 6));
    }
    /* Add of a constant bias (1, 2, 1, 1) to x (1, 2, 1, 3): x R / stab(x + c) */
    for (int i = 0; i < 6; i++) {
        y[i] = a[i] + bias[i / 3];
        double sy = ref_stab(false, 1e-6, y[i]);
        wa[i] = a[i] * r[i] / sy;
    }
    double want_abs = 0.0;
    for (int i = 0; i < 6; i++) {
        double sy = ref_stab(false, 1e-6, y[i]);
        want_abs += r[i] * (sy - y[i]) / sy;
    }
    lrp_node node = {.name = "bias_add",
                     .op_type = "Add",
                     .op = lrp_op_find("Add"),
                     .n_inputs = 2};
    lrp_tensor xt = tensor4(1, 2, 1, 3, a), ct = tensor4(1, 2, 1, 1, bias);
    lrp_tensor yt = tensor4(1, 2, 1, 3, y);
    const lrp_tensor *in[2] = {&xt, &ct};
    memset(ra, 0, sizeof ra), memset(absorbed, 0, sizeof absorbed);
    float *r_in[2] = {ra, NULL};
    lrp_rule_ctx c = ctx_of(&node, &rule, in, &yt, r, r_in, 1, absorbed);
    lrp_sum_apply(&c);
    CHECK(rel_error(ra, wa, 6) <= 1e-6, "Add of a constant: R_in off by %.3g",
          rel_error(ra, wa, 6));
    CHECK(fabs(absorbed[0] - want_abs) <= 1e-6, "Add of a constant: absorbed %g, want %g",
          absorbed[0], want_abs);
}

int main(void)
{
    check_z_rules();
    check_one_signed_inputs();
    check_stabilizers();
    check_weights_build();
    check_bn_fold();
    check_splits();
    check_wta();
    check_global_pool();
    check_average_pool(0);
    check_average_pool(1);
    check_avg2x2();
    check_sum();
    if (failures)
        fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
