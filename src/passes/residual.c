/* Marks the residual Adds (method §8): which operand is the shortcut S,
 * which the mainstream M, and the block input B both start from; and says
 * why each other Add of two activations is not one. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "passes/passes.h"
#include "util/text.h"

/* Blocks are short: a bounded backward search keeps hostile graphs linear. */
#define MAX_VISIT 512

typedef struct search {
    const lrp_graph *g;
    const lrp_shapes *shapes;
    int *mark;  /* per (node, state): stamp of the last search that visited it */
    int *queue; /* 2 * MAX_VISIT entries 2 * node + state */
    int stamp;
} search;

/* How a value depends on another. */
typedef enum path {
    PATH_NONE,      /* not at all (within MAX_VISIT producer nodes) */
    PATH_LINEAR,    /* only through ops that are no activation */
    PATH_NONLINEAR, /* on a path through a Relu or Clip */
} path;

/* The op of node (bound by passes/bind_ops.c), NULL for node -1. */
static const lrp_op *op_of(const lrp_graph *g, int node)
{
    return node >= 0 ? g->nodes[node].op : NULL;
}

static bool has_class(const lrp_graph *g, int node, lrp_relevance_class c)
{
    const lrp_op *op = op_of(g, node);
    return op && op->relevance == c;
}

/* The nonlinearities a residual function needs between B and M. */
static bool is_activation_op(const lrp_graph *g, int node)
{
    return has_class(g, node, LRP_REL_RELU) || has_class(g, node, LRP_REL_CLIP);
}

/* Visits (node, through): 'through' = a path from 'from' to this node
 * already passed an activation. */
static void visit(search *s, int *tail, int node, bool through)
{
    if (node < 0)
        return;
    int e = 2 * node + through;
    if (s->mark[e] == s->stamp || *tail == 2 * MAX_VISIT)
        return;
    s->mark[e] = s->stamp;
    s->queue[(*tail)++] = e;
}

/* How value 'from' depends on value 'target' (a breadth-first search over
 * producers, each node seen with and without an activation behind it). */
static path leads_back(search *s, int from, int target)
{
    const lrp_graph *g = s->g;
    if (from == target)
        return PATH_LINEAR;
    path found = PATH_NONE;
    int head = 0, tail = 0;
    s->stamp++;
    visit(s, &tail, g->values[from].producer, false);
    while (head < tail) {
        int node = s->queue[head] / 2;
        bool through = s->queue[head++] % 2 || is_activation_op(g, node);
        const lrp_node *n = &g->nodes[node];
        for (int k = 0; k < n->n_inputs; k++) {
            int v = n->inputs[k];
            if (v == target && through)
                return PATH_NONLINEAR;
            if (v == target)
                found = PATH_LINEAR;
            else if (v >= 0)
                visit(s, &tail, g->values[v].producer, through);
        }
    }
    return found;
}

/* A float value computed from the input (not a constant, not folded shape
 * arithmetic). */
static bool is_activation(const lrp_shapes *s, int v)
{
    return v >= 0 && s->t[v].dtype == LRP_FLOAT && !s->t[v].data;
}

/* A shortcut is a few ops long (ResNet-D: AveragePool, Conv, BN). */
#define MAX_SHORTCUT 16

/* The per-sample linear ops a projection shortcut may chain from B to S
 * (lrp_op.shortcut_step): each reads its data as input 0 and only
 * constants otherwise. */
static bool is_shortcut_op(const lrp_graph *g, int node)
{
    const lrp_op *op = op_of(g, node);
    return op && op->shortcut_step;
}

/* The chain's step before value v: input 0 of v's producer when that is a
 * shortcut op whose other inputs are all constants, else -1. */
static int chain_step(const search *se, int v)
{
    const lrp_graph *g = se->g;
    int p = g->values[v].producer;
    if (!is_shortcut_op(g, p) || g->nodes[p].n_inputs < 1)
        return -1;
    const lrp_node *n = &g->nodes[p];
    for (int k = 1; k < n->n_inputs; k++)
        if (is_activation(se->shapes, n->inputs[k]))
            return -1;
    return n->inputs[0];
}

/* The block input of a projection shortcut value s: the first value with
 * two or more consumers reached back from s through shortcut ops, each
 * value on the way read by the chain alone; -1 if none. *conv gets the
 * chain's last Conv, -1 if it has none. */
static int projection_input(const search *se, int s, int *conv)
{
    const lrp_graph *g = se->g;
    *conv = -1;
    for (int v = s, depth = 0; depth < MAX_SHORTCUT; depth++) {
        int u = chain_step(se, v);
        if (u < 0)
            return -1;
        if (*conv < 0 && has_class(g, g->values[v].producer, LRP_REL_CONV))
            *conv = g->values[v].producer;
        if (g->values[u].n_consumers >= 2)
            return u;
        if (g->values[u].n_consumers != 1)
            return -1;
        v = u;
    }
    return -1;
}

/* The best candidate (S, M, B) of one Add so far: how close it came (0: no
 * shortcut candidate, 1: M does not lead back to B, 2: only linearly, 3: a
 * split point). */
typedef struct verdict {
    int rank;
    lrp_residual r;
} verdict;

/* S = operand s, B = b (s itself, or where the projection chain starts). */
static bool try_candidate(search *se, int s, int m, int b, int conv, verdict *v)
{
    const lrp_graph *g = se->g;
    if (b < 0 || g->values[b].n_consumers < 2)
        return false;
    path p = leads_back(se, m, b);
    int rank = p == PATH_NONLINEAR ? 3 : p == PATH_LINEAR ? 2 : 1;
    if (rank > v->rank)
        *v = (verdict){rank,
                       {.mainstream = m,
                        .shortcut = s,
                        .block_input = b,
                        .shortcut_conv = conv,
                        .kind = s == b ? LRP_SHORTCUT_IDENTITY : LRP_SHORTCUT_PROJECTION}};
    return rank == 3;
}

/* Identity shortcuts first, then projections; operand order is not relied on. */
static bool find_split(search *se, int a, int b, verdict *v)
{
    int ca, cb;
    int ba = projection_input(se, a, &ca), bb = projection_input(se, b, &cb);
    return try_candidate(se, a, b, a, -1, v) || try_candidate(se, b, a, b, -1, v) ||
           (ba >= 0 && try_candidate(se, a, b, ba, ca, v)) ||
           (bb >= 0 && try_candidate(se, b, a, bb, cb, v));
}

/* p->reason = the escaped sentence; false when out of memory. */
static bool explain_add(lrp_plain_add *p, const char *fmt, ...)
{
    char raw[768], text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    lrp_text_escape(text, sizeof text, raw);
    p->reason = strdup(text);
    return p->reason != NULL;
}

/* "AveragePool, BatchNormalization, ...": the ops a shortcut may chain,
 * from the op table. */
static void shortcut_op_names(char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; lrp_op_at(i) && len < size; i++)
        if (lrp_op_at(i)->shortcut_step)
            len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? ", " : "",
                                    lrp_op_at(i)->name);
}

/* Why Add n (operands a, b) is no split point, from the best candidate. */
static bool reason(const lrp_graph *g, int a, int b, const verdict *v, lrp_plain_add *p)
{
    if (a == b)
        return explain_add(p, "both operands are '%s'", g->values[a].name);
    if (v->rank == 0) {
        char ops[256];
        shortcut_op_names(ops, sizeof ops);
        return explain_add(p,
                           "neither operand ('%s', '%s') is a block input (a tensor with "
                           "two or more consumers) or a chain of %s reading one",
                           g->values[a].name, g->values[b].name, ops);
    }
    const char *m = g->values[v->r.mainstream].name, *bi = g->values[v->r.block_input].name;
    if (v->rank == 1)
        return explain_add(p, "operand '%s' does not lead back to block input '%s'", m, bi);
    return explain_add(p,
                       "operand '%s' leads back to block input '%s' through no Relu or "
                       "Clip: a sum of linear branches, not a residual function",
                       m, bi);
}

/* Appends Add 'node' to *plain; false when out of memory. */
static bool note_plain(const lrp_graph *g, int node, const verdict *v, lrp_plain_add **plain,
                       int *n_plain)
{
    if ((*n_plain & (*n_plain - 1)) == 0) { /* 0, 1, 2, 4, ...: grow */
        size_t size = (size_t)(*n_plain ? 2 * *n_plain : 1);
        lrp_plain_add *grown = realloc(*plain, sizeof **plain * size);
        if (!grown)
            return false;
        *plain = grown;
    }
    const lrp_node *n = &g->nodes[node];
    lrp_plain_add *p = &(*plain)[*n_plain];
    p->node = node;
    if (!reason(g, n->inputs[0], n->inputs[1], v, p))
        return false;
    (*n_plain)++;
    return true;
}

/* Classifies Add 'idx' into out or plain; false when out of memory. */
static bool check_add(search *se, int idx, lrp_residual *out, int *count, lrp_plain_add **plain,
                      int *n_plain)
{
    const lrp_graph *g = se->g;
    const lrp_node *n = &g->nodes[idx];
    int a = n->inputs[0], b = n->inputs[1];
    if (!is_activation(se->shapes, a) || !is_activation(se->shapes, b))
        return true; /* a bias, a constant, or shape arithmetic */
    verdict v = {0};
    if (a != b && find_split(se, a, b, &v)) {
        out[*count] = v.r;
        out[(*count)++].node = idx;
        return true;
    }
    return note_plain(g, idx, &v, plain, n_plain);
}

void lrp_plain_adds_free(lrp_plain_add *plain, int n_plain)
{
    for (int i = 0; plain && i < n_plain; i++)
        free(plain[i].reason);
    free(plain);
}

lrp_status lrp_pass_residual(const lrp_graph *g, const lrp_shapes *shapes, lrp_residual **out,
                             int *count, lrp_plain_add **plain, int *n_plain, lrp_error *err)
{
    search se = {.g = g, .shapes = shapes};
    se.mark = calloc(2 * (size_t)g->n_nodes + 2, sizeof *se.mark);
    se.queue = malloc(sizeof *se.queue * 2 * MAX_VISIT);
    *out = calloc((size_t)g->n_nodes + 1, sizeof **out);
    *count = *n_plain = 0;
    *plain = NULL;
    bool ok = se.mark && se.queue && *out;
    for (int i = 0; ok && i < g->n_nodes; i++) {
        int idx = g->order[i];
        const lrp_node *n = &g->nodes[idx];
        if (n->op && n->op->relevance == LRP_REL_SUM && n->op->sum_sign > 0 &&
            n->n_inputs == 2) /* an Add */
            ok = check_add(&se, idx, *out, count, plain, n_plain);
    }
    free(se.mark);
    free(se.queue);
    if (ok)
        return LRP_OK;
    free(*out);
    *out = NULL;
    lrp_plain_adds_free(*plain, *n_plain);
    *plain = NULL;
    *count = *n_plain = 0;
    return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory finding residual Adds");
}
