/* Marks the residual Adds: which operand is the shortcut, which the
 * mainstream, and the block input both start from. */
#include <stdlib.h>
#include <string.h>

#include "passes/passes.h"

/* Blocks are short: a bounded backward search keeps hostile graphs linear. */
#define MAX_VISIT 512

typedef struct search {
    const lrp_graph *g;
    int *mark;  /* per node: stamp of the last search that visited it */
    int *queue; /* MAX_VISIT node indices */
    int stamp;
} search;

/* Does value 'from' depend on value 'target' through at most MAX_VISIT
 * producer nodes? */
static bool leads_back(search *s, int from, int target)
{
    const lrp_graph *g = s->g;
    if (from == target)
        return true;
    int head = 0, tail = 0;
    s->stamp++;
    int p = g->values[from].producer;
    if (p < 0)
        return false;
    s->queue[tail++] = p;
    s->mark[p] = s->stamp;
    while (head < tail) {
        const lrp_node *n = &g->nodes[s->queue[head++]];
        for (int k = 0; k < n->n_inputs; k++) {
            int v = n->inputs[k];
            if (v < 0)
                continue;
            if (v == target)
                return true;
            int q = g->values[v].producer;
            if (q < 0 || s->mark[q] == s->stamp || tail == MAX_VISIT)
                continue;
            s->mark[q] = s->stamp;
            s->queue[tail++] = q;
        }
    }
    return false;
}

static bool is_op(const lrp_graph *g, int node, const char *op)
{
    return node >= 0 && strcmp(g->nodes[node].op_type, op) == 0;
}

/* The Conv behind a projection shortcut value s (Conv, or Conv -> BN), or -1. */
static int projection_conv(const lrp_graph *g, int s)
{
    int p = g->values[s].producer;
    if (is_op(g, p, "BatchNormalization")) {
        int x = g->nodes[p].inputs[0];
        if (g->values[x].n_consumers != 1)
            return -1;
        p = g->values[x].producer;
    }
    return is_op(g, p, "Conv") ? p : -1;
}

static bool is_activation(const lrp_graph *g, int v)
{
    return v >= 0 && !g->values[v].tensor.data;
}

/* Tries S = operand s, M = operand m; fills r on success. */
static bool classify(search *se, int s, int m, lrp_residual *r)
{
    const lrp_graph *g = se->g;
    if (g->values[s].n_consumers >= 2 && leads_back(se, m, s)) {
        *r = (lrp_residual){.mainstream = m, .shortcut = s, .block_input = s,
                            .shortcut_conv = -1, .kind = LRP_SHORTCUT_IDENTITY};
        return true;
    }
    return false;
}

static bool classify_projection(search *se, int s, int m, lrp_residual *r)
{
    const lrp_graph *g = se->g;
    int conv = projection_conv(g, s);
    if (conv < 0)
        return false;
    int b = g->nodes[conv].inputs[0];
    if (g->values[b].n_consumers < 2 || !leads_back(se, m, b))
        return false;
    *r = (lrp_residual){.mainstream = m, .shortcut = s, .block_input = b,
                        .shortcut_conv = conv, .kind = LRP_SHORTCUT_PROJECTION};
    return true;
}

static bool find_split(search *se, const lrp_node *n, lrp_residual *r)
{
    int a = n->inputs[0], b = n->inputs[1];
    if (a == b || !is_activation(se->g, a) || !is_activation(se->g, b))
        return false;
    return classify(se, a, b, r) || classify(se, b, a, r) ||
           classify_projection(se, a, b, r) || classify_projection(se, b, a, r);
}

lrp_status lrp_pass_residual(const lrp_graph *g, lrp_residual **out, int *count,
                             lrp_error *err)
{
    search se = {.g = g};
    se.mark = calloc((size_t)g->n_nodes + 1, sizeof *se.mark);
    se.queue = malloc(sizeof *se.queue * MAX_VISIT);
    *out = calloc((size_t)g->n_nodes + 1, sizeof **out);
    *count = 0;
    if (!se.mark || !se.queue || !*out) {
        free(se.mark);
        free(se.queue);
        free(*out);
        *out = NULL;
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory finding residual Adds");
    }
    for (int i = 0; i < g->n_nodes; i++) {
        int idx = g->order[i];
        const lrp_node *n = &g->nodes[idx];
        lrp_residual r;
        if (strcmp(n->op_type, "Add") == 0 && n->n_inputs == 2 && find_split(&se, n, &r)) {
            r.node = idx;
            (*out)[(*count)++] = r;
        }
    }
    free(se.mark);
    free(se.queue);
    return LRP_OK;
}
