/* The rule table: which rule runs at which node, from the preset (data in
 * rules/presets.c), the user's overrides and each op's relevance class
 * (ops/op.h). Run once per explainer, after the residual pass. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "passes/passes.h"

/* The node's relevance class (ops/op.h); NONE for an op not bound. */
static lrp_relevance_class relevance_class(const lrp_node *n)
{
    return n->op ? n->op->relevance : LRP_REL_NONE;
}

static bool is_weighted(const lrp_node *n)
{
    lrp_relevance_class c = relevance_class(n);
    return c == LRP_REL_CONV || c == LRP_REL_GEMM || c == LRP_REL_MATMUL;
}

/* A value relevance can flow into: a float activation (not constant). */
static bool is_activation(const lrp_rule_inputs *ri, int v)
{
    return v >= 0 && ri->shapes->t[v].dtype == LRP_FLOAT && !ri->shapes->t[v].data;
}

static bool same_shape_as_output(const lrp_rule_inputs *ri, const lrp_node *n, int slot)
{
    return lrp_tensor_same_shape(&ri->shapes->t[n->inputs[slot]],
                                 &ri->shapes->t[n->outputs[0]]);
}

/* Is value v a gate: a Sigmoid's output, then perhaps reshaped or expanded
 * (ops that carry a gate)? */
static bool is_gate(const lrp_graph *g, int v)
{
    for (int depth = 0; v >= 0 && depth < 8; depth++) {
        int p = g->values[v].producer;
        if (p < 0)
            return false;
        const lrp_node *n = &g->nodes[p];
        if (relevance_class(n) == LRP_REL_GATE)
            return true;
        if (!n->op || !n->op->carries_gate)
            return false;
        v = n->inputs[0];
    }
    return false;
}

/* Mul of a signal by a gate (a squeeze-and-excitation block, method §3):
 * the gate's slot, when exactly one operand is a gate and the other, the
 * signal, has the output's shape; -1 otherwise. */
static int gate_slot(const lrp_rule_inputs *ri, const lrp_node *n)
{
    if (relevance_class(n) != LRP_REL_MUL || n->n_inputs != 2 ||
        !is_activation(ri, n->inputs[0]) || !is_activation(ri, n->inputs[1]))
        return -1;
    bool a = is_gate(ri->g, n->inputs[0]), b = is_gate(ri->g, n->inputs[1]);
    int gate = a == b ? -1 : a ? 0 : 1;
    return gate >= 0 && same_shape_as_output(ri, n, 1 - gate) ? gate : -1;
}

/* on_path[node]: the node's output reaches the seed through activations
 * (for LRP not through a gate, which is held constant). */
static bool *relevance_path(const lrp_rule_inputs *ri)
{
    const lrp_graph *g = ri->g;
    bool *value_on = calloc((size_t)g->n_values + 1, sizeof *value_on);
    bool *node_on = calloc((size_t)g->n_nodes + 1, sizeof *node_on);
    if (!value_on || !node_on) {
        free(value_on);
        free(node_on);
        return NULL;
    }
    value_on[ri->seed_value] = true;
    for (int i = g->n_nodes - 1; i >= 0; i--) {
        int idx = g->order[i];
        const lrp_node *n = &g->nodes[idx];
        if (ri->shapes->folded[idx] || !value_on[n->outputs[0]])
            continue;
        node_on[idx] = true;
        int gate = ri->preset->method == LRP_METHOD_LRP ? gate_slot(ri, n) : -1;
        for (int k = 0; k < n->n_inputs; k++)
            if (is_activation(ri, n->inputs[k]) && k != gate)
                value_on[n->inputs[k]] = true;
    }
    free(value_on);
    return node_on;
}

/* The BatchNormalization a Conv's only consumer is, or NULL. */
static const lrp_node *following_bn(const lrp_graph *g, const lrp_node *conv)
{
    const lrp_value *y = &g->values[conv->outputs[0]];
    if (y->n_consumers != 1 || y->is_output)
        return NULL;
    const lrp_node *bn = &g->nodes[y->consumers[0]];
    return relevance_class(bn) == LRP_REL_BATCHNORM ? bn : NULL;
}

/* nonneg[v]: value v is >= 0 for every input (a ReLU output, or pooled,
 * reshaped or summed from such values: ops that keep the sign); computed in
 * topological order. */
static bool *nonnegative_values(const lrp_graph *g)
{
    bool *nonneg = calloc((size_t)g->n_values + 1, sizeof *nonneg);
    for (int i = 0; nonneg && i < g->n_nodes; i++) {
        const lrp_node *n = &g->nodes[g->order[i]];
        bool yes = relevance_class(n) == LRP_REL_RELU;
        if (!yes && n->op && n->op->keeps_sign) {
            int inputs = n->op->relevance == LRP_REL_SUM ? n->n_inputs : 1;
            yes = true;
            for (int j = 0; j < inputs; j++)
                yes = yes && n->inputs[j] >= 0 && nonneg[n->inputs[j]];
        }
        nonneg[n->outputs[0]] = yes;
    }
    return nonneg;
}

/* When x >= 0, terms on x⁻ contribute nothing (dropped, with the weight
 * copies they would need, unless their bias still counts in z) and x⁺ is x
 * (no copy). */
static void simplify_for_nonnegative_input(lrp_zrule *z)
{
    int kept = 0;
    for (int t = 0; t < z->n_terms; t++) {
        lrp_term term = z->terms[t];
        if (term.in == LRP_IN_NEG && !term.bias)
            continue;
        if (term.in == LRP_IN_POS)
            term.in = LRP_IN_X;
        z->terms[kept++] = term;
    }
    z->n_terms = kept;
}

/* PyTorch writes a Linear on inputs of rank > 2 as MatMul + Add(b): that
 * Add of a per-output constant is the layer's bias. Returns the Add node's
 * index, or -1. */
static int matmul_bias_add(const lrp_rule_inputs *ri, const lrp_node *mm)
{
    const lrp_graph *g = ri->g;
    const lrp_value *y = &g->values[mm->outputs[0]];
    if (relevance_class(mm) != LRP_REL_MATMUL || y->n_consumers != 1 || y->is_output)
        return -1;
    int a = y->consumers[0];
    const lrp_node *add = &g->nodes[a];
    if (relevance_class(add) != LRP_REL_SUM || add->op->sum_sign < 0 || add->n_inputs != 2)
        return -1;
    int c = add->inputs[0] == mm->outputs[0] ? add->inputs[1] : add->inputs[0];
    const lrp_tensor *ct = c >= 0 ? &g->values[c].tensor : NULL;
    const lrp_tensor *yt = &ri->shapes->t[mm->outputs[0]];
    if (!ct || !ct->data || ct->dtype != LRP_FLOAT || yt->rank < 1 ||
        lrp_tensor_count(ct) != (size_t)yt->dims[yt->rank - 1] ||
        ct->dims[ct->rank - 1] != yt->dims[yt->rank - 1])
        return -1;
    return a;
}

static lrp_status weighted_rule(const lrp_rule_inputs *ri, const lrp_node *n, bool first,
                                const bool *nonneg, lrp_rule *rules, lrp_rule *r,
                                lrp_error *err)
{
    const lrp_preset *p = ri->preset;
    bool conv = relevance_class(n) == LRP_REL_CONV;
    lrp_rule_id id = first ? p->first : conv ? p->conv : p->dense;
    r->kind = p->method == LRP_METHOD_LRP ? LRP_RULE_Z : LRP_RULE_GRAD_LINEAR;
    /* the gradient: epsilon's W and b */
    r->z = lrp_zrule_of(id, (float)ri->config->alpha, (float)ri->config->beta, r->stab);
    if (nonneg[n->inputs[0]])
        simplify_for_nonnegative_input(&r->z);
    r->name = p->method == LRP_METHOD_LRP ? r->z.name : "gradient";
    r->low = ri->low;
    r->high = ri->high;
    r->n_bounds = ri->n_bounds;
    const lrp_node *bn = p->fold_bn && conv ? following_bn(ri->g, n) : NULL;
    int bias_add = matmul_bias_add(ri, n);
    if (bias_add >= 0) { /* the Add passes relevance; the bias is in the z-rule */
        const lrp_node *add = &ri->g->nodes[bias_add];
        rules[bias_add] = (lrp_rule){.kind = LRP_RULE_PASS,
                                     .name = "pass (MatMul bias)",
                                     .x_slot = add->inputs[0] == n->outputs[0] ? 0 : 1};
    }
    return lrp_weights_build(r, ri->g, n, bn, bias_add >= 0 ? &ri->g->nodes[bias_add] : NULL,
                             ri->config->zero_bias, (float)ri->config->gamma, err);
}

/* The one activation operand of a binary op with a constant; -1 otherwise. */
static int single_activation(const lrp_rule_inputs *ri, const lrp_node *n)
{
    bool a = is_activation(ri, n->inputs[0]), b = is_activation(ri, n->inputs[1]);
    return a == b ? -1 : (a ? 0 : 1);
}

/* Mul or Div of one activation x (of the output's shape) by a constant: the
 * slot of x, or -1 (two activations, x broadcast, or a constant over x). */
static int scaled_activation(const lrp_rule_inputs *ri, const lrp_node *n)
{
    lrp_relevance_class c = relevance_class(n);
    if (c != LRP_REL_MUL && c != LRP_REL_DIV)
        return -1;
    int slot = single_activation(ri, n);
    if (slot < 0 || (c == LRP_REL_DIV && slot != 0) || !same_shape_as_output(ri, n, slot))
        return -1;
    return slot;
}

static const lrp_residual *residual_of(const lrp_rule_inputs *ri, int node)
{
    for (int k = 0; k < ri->n_residuals; k++)
        if (ri->residuals[k].node == node)
            return &ri->residuals[k];
    return NULL;
}

static bool add_rule(const lrp_rule_inputs *ri, int idx, const lrp_node *n, lrp_rule *r)
{
    const lrp_residual *res = n->op->sum_sign > 0 ? residual_of(ri, idx) : NULL;
    if (res) {
        r->kind = LRP_RULE_SPLIT;
        r->residual = res;
        r->split = ri->config->split;
        r->name = lrp_split_name(r->split);
        r->mainstream_slot = n->inputs[0] == res->mainstream ? 0 : 1;
        return true;
    }
    for (int k = 0; k < n->n_inputs; k++)
        if (is_activation(ri, n->inputs[k]) && !same_shape_as_output(ri, n, k))
            return false; /* a broadcast activation: no rule */
    r->kind = LRP_RULE_NORM_SUM;
    r->name = "norm";
    return true;
}

/* Is this BN folded into the Conv before it (so its gradient is the Conv's)? */
static bool folded_bn(const lrp_rule_inputs *ri, const lrp_node *bn)
{
    int p = ri->g->values[bn->inputs[0]].producer;
    return ri->preset->fold_bn && p >= 0 && relevance_class(&ri->g->nodes[p]) == LRP_REL_CONV &&
           following_bn(ri->g, &ri->g->nodes[p]) == bn;
}

/* The kind of the gradient through a Mul or Div: by a constant, or of two
 * activations (Mul only); NONE otherwise (x broadcast, a constant over x). */
static lrp_rule_kind product_gradient(const lrp_rule_inputs *ri, const lrp_node *n, int scaled)
{
    if (scaled >= 0)
        return LRP_RULE_GRAD_SCALE;
    bool two = is_activation(ri, n->inputs[0]) && is_activation(ri, n->inputs[1]);
    return relevance_class(n) == LRP_REL_MUL && two ? LRP_RULE_GRAD_MUL : LRP_RULE_NONE;
}

/* The Relu's backward of a gradient method (its preset's choice), and its
 * name in reports. */
static lrp_rule_kind relu_gradient(const lrp_preset *p, const char **name)
{
    switch (p->relu) {
    case LRP_RELU_GUIDED: *name = "guided-relu"; return LRP_RULE_GUIDED_RELU;
    case LRP_RELU_DECONV: *name = "deconvnet-relu"; return LRP_RULE_DECONV_RELU;
    default: return LRP_RULE_GRAD_RELU;
    }
}

/* The gradient of the ops without weights; false when the op has none. Each
 * op here has an LRP rule in simple_rule and the reverse (method §3). */
static bool gradient_rule(const lrp_rule_inputs *ri, const lrp_node *n, lrp_rule *r)
{
    lrp_rule_kind kind = LRP_RULE_NONE;
    const char *name = "gradient";
    int scaled = scaled_activation(ri, n);
    switch (relevance_class(n)) {
    case LRP_REL_RESHAPE: kind = LRP_RULE_PASS; break;
    case LRP_REL_ROUTE: kind = LRP_RULE_ROUTE; break;
    case LRP_REL_RELU: kind = relu_gradient(ri->preset, &name); break;
    case LRP_REL_CLIP: kind = LRP_RULE_GRAD_CLIP; break;
    case LRP_REL_MUL:
    case LRP_REL_DIV: kind = product_gradient(ri, n, scaled); break;
    case LRP_REL_BATCHNORM: kind = folded_bn(ri, n) ? LRP_RULE_PASS : LRP_RULE_GRAD_BN; break;
    case LRP_REL_MAXPOOL: kind = LRP_RULE_WTA; break;
    case LRP_REL_AVGPOOL: kind = LRP_RULE_GRAD_POOL; break;
    case LRP_REL_GATE: kind = LRP_RULE_GRAD_SIGMOID; break;
    case LRP_REL_SUM: kind = LRP_RULE_GRAD_SUM; break;
    default: break;
    }
    for (int k = 0; kind == LRP_RULE_GRAD_SUM && k < n->n_inputs; k++)
        if (is_activation(ri, n->inputs[k]) && !same_shape_as_output(ri, n, k))
            kind = LRP_RULE_NONE; /* a broadcast activation */
    *r = (lrp_rule){.kind = kind, .name = name, .x_slot = scaled > 0 ? scaled : 0};
    return kind != LRP_RULE_NONE;
}

/* Rules that need no weights; false when the op has none. */
static bool simple_rule(const lrp_rule_inputs *ri, int idx, const lrp_node *n, lrp_rule *r)
{
    bool paper = ri->preset->paper_pools;
    if (ri->preset->method != LRP_METHOD_LRP)
        return gradient_rule(ri, n, r);
    int slot;
    switch (relevance_class(n)) {
    case LRP_REL_RESHAPE:
    case LRP_REL_RELU:
    case LRP_REL_CLIP:
    case LRP_REL_BATCHNORM: *r = (lrp_rule){.kind = LRP_RULE_PASS, .name = "pass"}; return true;
    case LRP_REL_ROUTE: *r = (lrp_rule){.kind = LRP_RULE_ROUTE, .name = "route"}; return true;
    case LRP_REL_MUL:
    case LRP_REL_DIV:
        if (gate_slot(ri, n) >= 0) { /* the gate held constant: all R to the signal */
            *r = (lrp_rule){.kind = LRP_RULE_PASS,
                            .name = "gated",
                            .x_slot = 1 - gate_slot(ri, n)};
            return true;
        }
        if ((slot = scaled_activation(ri, n)) < 0)
            return false;
        *r = (lrp_rule){.kind = LRP_RULE_PASS, .name = "pass", .x_slot = slot};
        return true;
    case LRP_REL_SUM: return add_rule(ri, idx, n, r);
    case LRP_REL_MAXPOOL:
        r->kind = paper ? LRP_RULE_AVG2X2 : LRP_RULE_WTA;
        r->name = paper ? "avg2x2" : "winner-takes-all";
        return true;
    case LRP_REL_AVGPOOL:
        r->kind = LRP_RULE_NORM_POOL;
        r->name = "norm";
        return true;
    default: return false;
    }
}

/* "node 'a' (Op), node 'b' (Op2), ..." into buf. */
static void list_node(char *buf, size_t size, int count, const lrp_node *n)
{
    size_t len = strlen(buf);
    if (count < 4 && len < size)
        snprintf(buf + len, size - len, "%snode '%s' (%s)", count ? ", " : "", n->name,
                 n->op_type);
    else if (count == 4 && len < size)
        snprintf(buf + len, size - len, ", ...");
}

static lrp_status assign(const lrp_rule_inputs *ri, const bool *on_path, const bool *nonneg,
                         lrp_rule *rules, lrp_error *err)
{
    const lrp_graph *g = ri->g;
    char missing[400] = "";
    int n_missing = 0;
    bool first_done = false;
    for (int i = 0; i < g->n_nodes; i++) {
        int idx = g->order[i];
        const lrp_node *n = &g->nodes[idx];
        lrp_rule *r = &rules[idx];
        if (!on_path[idx] || r->kind != LRP_RULE_NONE) /* NONE: not yet set by a fused layer */
            continue;
        r->stab = ri->preset->stab;
        r->stab.eps = (float)ri->config->epsilon;
        if (is_weighted(n)) {
            lrp_status st = weighted_rule(ri, n, !first_done, nonneg, rules, r, err);
            first_done = true;
            if (st)
                return st;
        } else if (!simple_rule(ri, idx, n, r)) {
            list_node(missing, sizeof missing, n_missing++, n);
        }
    }
    if (n_missing)
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                             "%d node(s) on the relevance path have no relevance rule: %s",
                             n_missing, missing);
    return LRP_OK;
}

lrp_status lrp_pass_assign_rules(const lrp_rule_inputs *ri, lrp_rule *rules, lrp_error *err)
{
    bool *on_path = relevance_path(ri), *nonneg = nonnegative_values(ri->g);
    lrp_status st = on_path && nonneg ? assign(ri, on_path, nonneg, rules, err)
                                      : lrp_error_set(err, LRP_ERR_NOMEM,
                                                      "out of memory building the rule table");
    free(on_path);
    free(nonneg);
    return st;
}
