/* Relevance rules as data. A node's rule is a kernel (one per rule family)
 * plus its parameters; the table from node to rule is built once per
 * explainer (passes/assign_rules.c), and the reverse executor only calls
 * kernels. */
#ifndef LRP_RULES_RULES_H
#define LRP_RULES_RULES_H

#include "graph/graph.h"
#include "graph/keep.h"
#include "graph/residual.h"
#include "ops/op.h"

/* stab(z) = z + eps*sign(z), sign(0) = +1 (zennit), or z + eps (the paper). */
typedef struct lrp_stab {
    bool unsigned_eps;
    float eps;
} lrp_stab;

static inline float lrp_stabilize(lrp_stab s, float z)
{
    return z + (s.unsigned_eps || z >= 0.0f ? s.eps : -s.eps); /* a select: vectorizes */
}

/* ---- z-rules of weighted layers (Conv, Gemm, MatMul) ---------------------
 * Like zennit's BasicHook: term t computes out_t = f(in_t(x); W_t, b_t);
 * z_g = sum of sign_t*out_t over the terms of group g; s_g = R*gate_g /
 * stab(z_g); R_in = sum over t of coef_t*sign_t * in_t(x) ⊙ W_tᵀ s_g. */

typedef enum lrp_in_mod {
    LRP_IN_X,    /* x */
    LRP_IN_POS,  /* x⁺ */
    LRP_IN_NEG,  /* x⁻ */
    LRP_IN_ONES, /* 1 (flat, wsquare, the paper's first layer) */
    LRP_IN_LOW,  /* zbox lower bound, per input channel */
    LRP_IN_HIGH, /* zbox upper bound */
} lrp_in_mod;

typedef enum lrp_w_mod {
    LRP_W_ID,        /* W, b */
    LRP_W_POS,       /* W⁺, b⁺ */
    LRP_W_NEG,       /* W⁻, b⁻ */
    LRP_W_GAMMA_POS, /* W + γW⁺, b + γb⁺ */
    LRP_W_GAMMA_NEG, /* W + γW⁻, b + γb⁻ */
    LRP_W_ONES,      /* 1, 0 (flat) */
    LRP_W_SQUARE,    /* W², b² */
    LRP_W_MODS
} lrp_w_mod;

typedef enum lrp_gate {
    LRP_GATE_NONE,
    LRP_GATE_POS, /* only where the unmodified output y > 0 */
    LRP_GATE_NEG, /* only where y < 0 */
} lrp_gate;

typedef struct lrp_term {
    lrp_in_mod in;
    lrp_w_mod w;
    bool bias;  /* include the modified bias in out_t */
    float sign; /* zbox subtracts its bound terms */
    float coef; /* alpha, -beta or 1 */
    int group;
} lrp_term;

#define LRP_MAX_TERMS 6

typedef struct lrp_zrule {
    const char *name;
    int n_terms;
    lrp_term terms[LRP_MAX_TERMS];
    int n_groups;
    lrp_gate gate[2];
    lrp_stab stab;
} lrp_zrule;

/* The standard rules (method §2) and the paper's z⁺ form (§5). */
lrp_zrule lrp_zrule_epsilon(lrp_stab stab);
lrp_zrule lrp_zrule_zplus(lrp_stab stab);
lrp_zrule lrp_zrule_alpha_beta(float alpha, float beta, lrp_stab stab);
lrp_zrule lrp_zrule_gamma(lrp_stab stab);
lrp_zrule lrp_zrule_flat(lrp_stab stab);
lrp_zrule lrp_zrule_wsquare(lrp_stab stab);
lrp_zrule lrp_zrule_zbox(lrp_stab stab);
lrp_zrule lrp_zrule_paper(bool first_layer, lrp_stab stab);

/* z reads neither the input nor a bias: flat's, sum over the window of
 * 1 * 1, a count of taps, so small integers that every engine computes
 * exactly; the same bits on every run, which may keep it. */
bool lrp_zrule_fixed_z(const lrp_zrule *z);

/* ---- every rule ---------------------------------------------------------- */

typedef enum lrp_rule_kind {
    LRP_RULE_NONE,      /* not on the relevance path */
    LRP_RULE_PASS,      /* R_in = R (Relu, BN, reshapes, scaling by a constant, a
                           signal times a gate: all to the signal) */
    LRP_RULE_Z,         /* a z-rule on a weighted layer */
    LRP_RULE_NORM_POOL, /* zennit's Norm rule, x ⊙ Jᵀ(R / stab y), reported as "norm":
                           AveragePool, GlobalAveragePool, ReduceMean */
    LRP_RULE_NORM_SUM,  /* the Norm rule on Add/Sub, reported as "norm": each
                           activation x gets x ⊙ R / stab(y); an Add of two
                           activations splits proportionally, one of a constant
                           treats it as a bias */
    LRP_RULE_SPLIT,     /* a residual Add (method §4) */
    LRP_RULE_WTA,       /* MaxPool: winner takes all (also its gradient) */
    LRP_RULE_AVG2X2,    /* the paper's MaxPool replacement */
    LRP_RULE_ROUTE,     /* Pad, Slice, Transpose, Expand, Concat: R back to each
                           output's source element (also their gradient) */
    /* the gradient, for the baselines (gradient, gradient-x-input, grad-cam) */
    LRP_RULE_GRAD_LINEAR,  /* R_in += Wᵀ R */
    LRP_RULE_GRAD_RELU,    /* R_in += R [x > 0], read as [y > 0] */
    LRP_RULE_GUIDED_RELU,  /* Guided Backprop's Relu: R_in += R [y > 0] [R > 0] */
    LRP_RULE_DECONV_RELU,  /* DeconvNet's Relu: R_in += R⁺ (x not read) */
    LRP_RULE_GRAD_POOL,    /* average pools: each tap gets R / count */
    LRP_RULE_GRAD_SUM,     /* Add/Sub: each activation gets +R (Sub's second: -R) */
    LRP_RULE_GRAD_BN,      /* a BN not folded: R_in += R scale / sqrt(var + eps) */
    LRP_RULE_GRAD_CLIP,    /* R_in += R [min < x < max] */
    LRP_RULE_GRAD_SCALE,   /* Mul/Div of x by a constant c: R_in += R c (Div: R / c) */
    LRP_RULE_GRAD_MUL,     /* a * b of two activations (broadcast): R_a += R b, R_b += R a */
    LRP_RULE_GRAD_SIGMOID, /* R_in += R y (1 - y) */
    LRP_RULE_KINDS
} lrp_rule_kind;

/* A weighted layer seen as y = W x + b, with W and b after BN folding and
 * Gemm's alpha/beta/transB: conv W (M, C/g, kH, kW), dense W (out, in). */
typedef struct lrp_weights {
    bool is_conv;
    int64_t out, in; /* dense sizes; conv: out = M */
    size_t w_count;
    float *w[LRP_W_MODS]; /* per modifier the rule uses (W_ID also for gates); owned */
    float *b[LRP_W_MODS]; /* NULL when the bias is absent or zeroed */
    /* w[LRP_W_ID], b[LRP_W_ID] are the model's initializers as stored (no
       BN folded, no alpha, no transpose): borrowed from the graph, which
       outlives the rules, and never freed or written here */
    bool w_id_borrowed, b_id_borrowed;
    /* a conv's modified copies w[m] (m != W_ID), when W_ID stays at hand:
       pages mapped for each at build and filled on first use
       (lrp_weights_make_resident), which lrp_weights_release gives back once
       oneDNN holds them packed; NULL: every w[m] is made at build */
    struct lrp_lazy_weights *lazy;
    float gamma;
} lrp_weights;

typedef struct lrp_rule {
    lrp_rule_kind kind;
    const char *name; /* for reports: "zplus", "pass", "ratio", ... */
    lrp_stab stab;
    lrp_zrule z;         /* LRP_RULE_Z */
    lrp_weights weights; /* LRP_RULE_Z */
    int x_slot;          /* PASS, GRAD_SCALE: the input slot that gets the relevance */
    int mainstream_slot; /* SPLIT: the slot of M (the other is S) */
    lrp_split split;     /* LRP_RULE_SPLIT */
    const lrp_residual *residual;
    const float *low, *high; /* zbox bounds per channel (the explainer's) */
    int n_bounds;
} lrp_rule;

/* Everything a kernel sees for one node. */
typedef struct lrp_rule_ctx {
    const lrp_node *node;
    const lrp_rule *rule;
    const lrp_tensor *const *in; /* forward values of the inputs */
    const lrp_tensor *out;       /* forward value of output 0 */
    int out_block; /* out's layout (lrp_forward_block): 0 (N,C,H,W), else blocked by that many
                      channels; only for the kernels that read it in any layout */
    const float *r_out; /* relevance at output 0, out's shape */
    float *const *r_in; /* per input: relevance to add into, NULL = none */
    /* per input: r_in[k] starts at this node and is not zeroed yet (only for
     * kinds lrp_rule_zeroes_inputs names, whose kernels zero it before they
     * add, block by block while it is in cache); NULL = all zeroed */
    const bool *unzeroed;
    float *scratch; /* lrp_rule_scratch_floats() floats */
    lrp_pool *pool; /* workers of this run; NULL = the caller only */
    lrp_dnnl *dnnl; /* its oneDNN convolutions; NULL = OpenBLAS */
    int n_images;
    double *absorbed; /* per image: relevance the stabilizer kept (see below) */
    bool planning;    /* lrp_relevance_warm_up: make the convs (oneDNN computes
                         nothing), skip the element-wise passes */
    /* per input: where a kernel that adds up r_in[k] as it writes it (per
     * image, as the ledger would: lrp_sum_floats over each of
     * lrp_pool_for(image size)'s ranges, then lrp_sum_parts) leaves the
     * n_images sums of the buffer after it, and sets in_summed[k]; NULL
     * where the ledger does not ask (it adds them up itself) */
    double *const *in_sum;
    bool *in_summed;
    /* Z with lrp_zrule_fixed_z: out's count of floats that keep z between
     * runs, and whether they hold it yet; NULL: z is computed each run */
    float *fixed_z;
    bool *fixed_z_ready;
} lrp_rule_ctx;

/* A rule that divides by stab(z) passes on R z / stab(z) of each R: the
 * rest, R (stab(z) - z) / stab(z), stays with the stabilizer (all of R where
 * z = 0). Kernels add it to c->absorbed for output element i, so that the
 * report tells stabilizer leaks from bias leaks. lrp_kept is that rest
 * (times weight) for sz = stab(z), in double, for kernels that add it up
 * element by element; lrp_kept_share its share of R, for kernels that
 * vectorize it and add up blocks (block_sum.h). */
static inline float lrp_kept_share(float z, float sz)
{
    return (sz - z) / sz;
}

static inline double lrp_kept(float weight, float r, float z, float sz)
{
    return (double)weight * r * lrp_kept_share(z, sz);
}

static inline void lrp_absorb(const lrp_rule_ctx *c, size_t i, size_t per_image, float r,
                              float z, float weight)
{
    c->absorbed[i / per_image] += lrp_kept(weight, r, z, lrp_stabilize(c->rule->stab, z));
}

/* Whether r_in[k] still needs zeroing (see unzeroed). */
static inline bool lrp_unzeroed(const lrp_rule_ctx *c, int k)
{
    return c->unzeroed && c->unzeroed[k];
}

/* Where input k's image sums go (see in_sum), or NULL. */
static inline double *lrp_in_sum(const lrp_rule_ctx *c, int k)
{
    return c->in_sum ? c->in_sum[k] : NULL;
}

typedef void (*lrp_rule_fn)(const lrp_rule_ctx *c);

/* The kernel of a rule kind. */
lrp_rule_fn lrp_rule_kernel(lrp_rule_kind kind);

/* Whether the kind's kernel zeroes the buffers lrp_rule_ctx.unzeroed names. */
bool lrp_rule_zeroes_inputs(lrp_rule_kind kind);

/* Marks in keep[] (per value) the activations the rule's kernel reads: the
 * forward pass keeps those, and lets the others share memory. The gradient
 * and Guided Backprop Relus read y's sign in any layout (LRP_KEEP_ANY_LAYOUT),
 * so that the convs on either side of them may keep y blocked. */
void lrp_rule_reads(const lrp_rule *r, const lrp_node *n, lrp_keep *keep);

/* Floats of scratch a rule needs for these forward shapes. */
size_t lrp_rule_scratch_floats(const lrp_rule *r, const lrp_node *n,
                               const lrp_tensor *const *in, const lrp_tensor *out);

/* Builds r->weights for a Conv/Gemm/MatMul node: effective W and b (a
 * BatchNormalization 'bn' after a Conv folded in; for a MatMul, b from the
 * Add 'bias_add' after it; 'zero_bias' drops b), then the modified copies
 * the z-rule's terms use. bn and bias_add may be NULL. */
lrp_status lrp_weights_build(lrp_rule *r, const lrp_graph *g, const lrp_node *n,
                             const lrp_node *bn, const lrp_node *bias_add, bool zero_bias,
                             float gamma, lrp_error *err);
void lrp_weights_free(lrp_weights *w);

/* Fills w->w[mod] if it does not hold its values (a lazy copy not filled
 * yet or given back): any thread, at any time (forks share the rules); the
 * same values as at build. */
void lrp_weights_make_resident(const lrp_weights *w, lrp_w_mod mod);
/* Gives back the pages of w's lazy copies: reading one without
 * lrp_weights_make_resident then faults rather than read zeros. Only
 * while no other thread uses the rules (an explainer not forked). */
void lrp_weights_release(const lrp_weights *w);
/* lrp_weights_make_resident for each of w's modified copies. */
void lrp_weights_fill(const lrp_weights *w);
/* Frees a rule table of n_nodes rules (their weights); NULL-safe. */
void lrp_rules_free(lrp_rule *rules, int n_nodes);

#endif
