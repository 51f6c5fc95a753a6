/* Effective weights of a weighted layer for the z-rules: Conv W (M,C/g,kH,kW)
 * with a following BatchNormalization folded in, or a dense W (out, in)
 * from Gemm (alpha, beta, transB) or MatMul; then the modified copies. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, madvise */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ops/batchnorm.h"
#include "ops/gemm.h"
#include "rules/rules.h"

/* Drops W_ID's weights and bias, freeing what is not borrowed. */
static void drop_id(lrp_weights *w, bool weights, bool bias)
{
    if (weights && !w->w_id_borrowed)
        free(w->w[LRP_W_ID]);
    if (bias && !w->b_id_borrowed)
        free(w->b[LRP_W_ID]);
    if (weights)
        w->w[LRP_W_ID] = NULL;
    if (bias)
        w->b[LRP_W_ID] = NULL;
}

/* The lazy copies of a conv: one private anonymous mapping per modifier,
 * PROT_NONE while it holds nothing, so that no read can see zeros. */
struct lrp_lazy_weights {
    size_t bytes;                     /* of each mapping: w_count floats, whole pages */
    atomic_bool resident[LRP_W_MODS]; /* w[m] holds its values */
};

/* Serializes filling and releasing (rare: once per copy and warm-up). */
static pthread_mutex_t lazy_lock = PTHREAD_MUTEX_INITIALIZER;

void lrp_weights_free(lrp_weights *w)
{
    drop_id(w, true, true);
    for (int m = 0; m < LRP_W_MODS; m++) {
        if (w->lazy && w->w[m])
            munmap(w->w[m], w->lazy->bytes);
        else
            free(w->w[m]);
        free(w->b[m]);
    }
    free(w->lazy);
    memset(w, 0, sizeof *w);
}

static const lrp_tensor *constant(const lrp_graph *g, const lrp_node *n, int slot)
{
    const lrp_value *v = lrp_node_input(g, n, slot);
    return v && v->tensor.data && v->tensor.dtype == LRP_FLOAT ? &v->tensor : NULL;
}

static lrp_status not_constant(const lrp_node *n, const char *what, lrp_error *err)
{
    return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                         LRP_NODE_FMT "%s must be a constant float32 initializer for the "
                                      "relevance rules",
                         LRP_NODE_ARGS(n), what);
}

/* Conv: W and b as stored; copies only when a BN is to be folded into them
 * ('copy'), else the initializers themselves (a missing b: zeros, owned). */
static lrp_status conv_weights(lrp_weights *w, const lrp_graph *g, const lrp_node *n, bool copy,
                               lrp_error *err)
{
    const lrp_tensor *wt = constant(g, n, 1), *bt = constant(g, n, 2);
    if (!wt || (lrp_node_input(g, n, 2) && !bt))
        return not_constant(n, "W and B", err);
    w->is_conv = true;
    w->out = wt->dims[0];
    w->in = wt->dims[1];
    w->w_count = lrp_tensor_count(wt);
    w->w_id_borrowed = !copy;
    w->b_id_borrowed = !copy && bt;
    w->w[LRP_W_ID] = copy ? malloc(w->w_count * sizeof(float)) : wt->data;
    w->b[LRP_W_ID] = w->b_id_borrowed ? bt->data : calloc((size_t)w->out, sizeof(float));
    if (!w->w[LRP_W_ID] || !w->b[LRP_W_ID])
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory for weights");
    if (copy)
        memcpy(w->w[LRP_W_ID], wt->data, w->w_count * sizeof(float));
    if (copy && bt)
        memcpy(w->b[LRP_W_ID], bt->data, (size_t)w->out * sizeof(float));
    return LRP_OK;
}

/* y' = (y - mean)/sqrt(var + eps)*scale + B folded into W, b per channel. */
static lrp_status fold_bn(lrp_weights *w, const lrp_graph *g, const lrp_node *bn,
                          lrp_error *err)
{
    const lrp_tensor *p[5];
    for (int i = 1; i < 5; i++)
        if (!(p[i] = constant(g, bn, i)) || p[i]->dims[0] != w->out)
            return not_constant(bn, "scale, B, mean and var", err);
    const float *scale = p[1]->data, *beta = p[2]->data, *mean = p[3]->data, *var = p[4]->data;
    float eps = ((const lrp_bn_params *)bn->params)->epsilon;
    size_t per_out = w->w_count / (size_t)w->out;
    for (int64_t m = 0; m < w->out; m++) {
        float a = scale[m] / sqrtf(var[m] + eps);
        for (size_t k = 0; k < per_out; k++)
            w->w[LRP_W_ID][(size_t)m * per_out + k] *= a;
        w->b[LRP_W_ID][m] = (w->b[LRP_W_ID][m] - mean[m]) * a + beta[m];
    }
    return LRP_OK;
}

/* Gemm: W (out, in) = alpha * B' ᵀ; b = beta * C when C is per output. */
static lrp_status gemm_weights(lrp_weights *w, const lrp_graph *g, const lrp_node *n,
                               lrp_error *err)
{
    const lrp_gemm_params *p = n->params;
    const lrp_tensor *bt = constant(g, n, 1), *ct = constant(g, n, 2);
    if (!bt || (lrp_node_input(g, n, 2) && !ct))
        return not_constant(n, "B and C", err);
    if (p->trans_a)
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                             LRP_NODE_FMT "transA=1 has no relevance rule", LRP_NODE_ARGS(n));
    int64_t k = bt->dims[p->trans_b ? 1 : 0], out = bt->dims[p->trans_b ? 0 : 1];
    size_t c_count = ct ? lrp_tensor_count(ct) : 0;
    if (ct && !(c_count == 1 || (c_count == (size_t)out && ct->dims[ct->rank - 1] == out)))
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                             LRP_NODE_FMT "a bias C that varies per row has no relevance rule",
                             LRP_NODE_ARGS(n));
    w->out = out;
    w->in = k;
    w->w_count = (size_t)(out * k);
    /* B (out, in) with alpha 1 is W as stored */
    w->w_id_borrowed = p->trans_b && p->alpha == 1.0f;
    w->w[LRP_W_ID] = w->w_id_borrowed ? bt->data : malloc(w->w_count * sizeof(float));
    w->b[LRP_W_ID] = calloc((size_t)out, sizeof(float));
    if (!w->w[LRP_W_ID] || !w->b[LRP_W_ID])
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory for weights");
    const float *b = bt->data, *c = ct ? ct->data : NULL;
    for (int64_t o = 0; o < out; o++) {
        for (int64_t i = 0; !w->w_id_borrowed && i < k; i++)
            w->w[LRP_W_ID][o * k + i] = p->alpha * (p->trans_b ? b[o * k + i] : b[i * out + o]);
        w->b[LRP_W_ID][o] = c ? p->beta * c[c_count == 1 ? 0 : o] : 0.0f;
    }
    return LRP_OK;
}

/* MatMul: W (out, in) = Bᵀ; b from the Add that follows it, if any. */
static lrp_status matmul_weights(lrp_weights *w, const lrp_graph *g, const lrp_node *n,
                                 const lrp_node *bias_add, lrp_error *err)
{
    const lrp_tensor *bt = constant(g, n, 1);
    if (!bt)
        return not_constant(n, "B", err);
    w->in = bt->dims[0];
    w->out = bt->dims[1];
    w->w_count = (size_t)(w->in * w->out);
    w->w[LRP_W_ID] = malloc(w->w_count * sizeof(float));
    w->b[LRP_W_ID] = bias_add ? malloc((size_t)w->out * sizeof(float)) : NULL;
    if (!w->w[LRP_W_ID] || (bias_add && !w->b[LRP_W_ID]))
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory for weights");
    const float *b = bt->data;
    for (int64_t o = 0; o < w->out; o++)
        for (int64_t i = 0; i < w->in; i++)
            w->w[LRP_W_ID][o * w->in + i] = b[i * w->out + o];
    if (bias_add) {
        int slot = bias_add->inputs[0] == n->outputs[0] ? 1 : 0;
        const lrp_tensor *c = constant(g, bias_add, slot);
        memcpy(w->b[LRP_W_ID], c->data, (size_t)w->out * sizeof(float));
    }
    return LRP_OK;
}

static float modify(lrp_w_mod mod, float v, float gamma)
{
    switch (mod) {
    case LRP_W_ID: return v;
    case LRP_W_POS: return v > 0.0f ? v : 0.0f;
    case LRP_W_NEG: return v < 0.0f ? v : 0.0f;
    case LRP_W_GAMMA_POS: return v + gamma * (v > 0.0f ? v : 0.0f);
    case LRP_W_GAMMA_NEG: return v + gamma * (v < 0.0f ? v : 0.0f);
    case LRP_W_ONES: return 1.0f;
    case LRP_W_SQUARE: return v * v;
    default: return v;
    }
}

static void fill_mod(const lrp_weights *w, lrp_w_mod mod)
{
    for (size_t i = 0; i < w->w_count; i++)
        w->w[mod][i] = modify(mod, w->w[LRP_W_ID][i], w->gamma);
}

/* The modified copy for 'mod' (lazy: its mapping only; W_ID's values are
 * at hand for later); flat's bias is 0, i.e. absent. */
static lrp_status build_mod(lrp_weights *w, lrp_w_mod mod, lrp_error *err)
{
    if (w->w[mod] || mod == LRP_W_ID)
        return LRP_OK;
    if (w->lazy) {
        void *p = mmap(NULL, w->lazy->bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        w->w[mod] = p == MAP_FAILED ? NULL : p;
    } else {
        w->w[mod] = malloc(w->w_count * sizeof(float));
    }
    if (!w->w[mod])
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory for modified weights");
    if (!w->lazy)
        fill_mod(w, mod);
    if (mod == LRP_W_ONES || !w->b[LRP_W_ID])
        return LRP_OK;
    if (!(w->b[mod] = malloc((size_t)w->out * sizeof(float))))
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory for modified weights");
    for (int64_t o = 0; o < w->out; o++)
        w->b[mod][o] = modify(mod, w->b[LRP_W_ID][o], w->gamma);
    return LRP_OK;
}

lrp_status lrp_weights_build(lrp_rule *r, const lrp_graph *g, const lrp_node *n,
                             const lrp_node *bn, const lrp_node *bias_add, bool zero_bias,
                             float gamma, lrp_error *err)
{
    lrp_weights *w = &r->weights;
    memset(w, 0, sizeof *w);
    w->gamma = gamma;
    lrp_status st;
    if (n->op->relevance == LRP_REL_CONV)
        st = conv_weights(w, g, n, bn != NULL, err);
    else if (n->op->relevance == LRP_REL_GEMM)
        st = gemm_weights(w, g, n, err);
    else
        st = matmul_weights(w, g, n, bias_add, err);
    if (st == LRP_OK && bn)
        st = fold_bn(w, g, bn, err);
    if (st == LRP_OK && zero_bias)
        drop_id(w, false, true);
    bool keep_id = r->z.gate[0] != LRP_GATE_NONE || r->z.gate[1] != LRP_GATE_NONE;
    for (int t = 0; t < r->z.n_terms; t++)
        keep_id = keep_id || r->z.terms[t].w == LRP_W_ID;
    if (st == LRP_OK && w->is_conv && (keep_id || w->w_id_borrowed)) {
        long page = sysconf(_SC_PAGESIZE);
        size_t bytes = w->w_count * sizeof(float), unit = page > 0 ? (size_t)page : 4096;
        if (!(w->lazy = calloc(1, sizeof *w->lazy)))
            st = lrp_error_set(err, LRP_ERR_NOMEM, "out of memory for weights");
        else
            w->lazy->bytes = (bytes + unit - 1) / unit * unit;
    }
    for (int t = 0; st == LRP_OK && t < r->z.n_terms; t++)
        st = build_mod(w, r->z.terms[t].w, err);
    if (st == LRP_OK && !keep_id) /* only the modified copies are used */
        drop_id(w, !w->lazy, true);
    return st;
}

/* Whether w->w[mod] holds its values now (W_ID and copies made at build:
 * always). */
static bool is_resident(const lrp_weights *w, lrp_w_mod mod)
{
    return !w->lazy || mod == LRP_W_ID || atomic_load(&w->lazy->resident[mod]);
}

void lrp_weights_make_resident(const lrp_weights *w, lrp_w_mod mod)
{
    if (is_resident(w, mod))
        return;
    pthread_mutex_lock(&lazy_lock);
    if (!atomic_load(&w->lazy->resident[mod]) &&
        mprotect(w->w[mod], w->lazy->bytes, PROT_READ | PROT_WRITE) == 0) {
        fill_mod(w, mod);
        atomic_store(&w->lazy->resident[mod], true);
    }
    pthread_mutex_unlock(&lazy_lock);
}

void lrp_weights_fill(const lrp_weights *w)
{
    for (int m = 0; w->lazy && m < LRP_W_MODS; m++)
        if (w->w[m])
            lrp_weights_make_resident(w, (lrp_w_mod)m);
}

void lrp_weights_release(const lrp_weights *w)
{
    if (!w->lazy)
        return;
    pthread_mutex_lock(&lazy_lock);
    for (int m = 0; m < LRP_W_MODS; m++)
        if (m != LRP_W_ID && w->w[m] && atomic_load(&w->lazy->resident[m])) {
            madvise(w->w[m], w->lazy->bytes, MADV_DONTNEED);
            mprotect(w->w[m], w->lazy->bytes, PROT_NONE);
            atomic_store(&w->lazy->resident[m], false);
        }
    pthread_mutex_unlock(&lazy_lock);
}

void lrp_rules_free(lrp_rule *rules, int n_nodes)
{
    if (!rules)
        return;
    for (int i = 0; i < n_nodes; i++)
        lrp_weights_free(&rules[i].weights);
    free(rules);
}
