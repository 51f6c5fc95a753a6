/* Chains of element-wise nodes fused into their producer (see fusion.h). */
#include "explain/fusion.h"

#include <stdlib.h>
#include <string.h>

#include "ops/registry.h"
#include "util/error.h"

void lrp_fusion_free(lrp_fusion *fu)
{
    if (!fu)
        return;
    free(fu->done_by);
    free(fu->out_value);
    free(fu->add_value);
    free(fu->relu);
    free(fu->hidden);
    memset(fu, 0, sizeof *fu);
}

/* The one node reading value v, when it is an 'op' node that may take over
 * v entirely (v stored nowhere else); else -1. */
static int sole_reader(const lrp_graph *g, const lrp_shapes *s, const lrp_keep *keep, int v,
                       const lrp_op *op)
{
    const lrp_value *val = &g->values[v];
    if (val->n_consumers != 1 || val->is_output || val->is_input || (keep && keep[v]) ||
        s->t[v].dtype != LRP_FLOAT)
        return -1;
    int c = val->consumers[0];
    return !s->folded[c] && g->nodes[c].op == op ? c : -1;
}

static bool same_shape(const lrp_tensor *a, const lrp_tensor *b)
{
    return a->rank == b->rank &&
           memcmp(a->dims, b->dims, sizeof(int64_t) * (size_t)a->rank) == 0;
}

/* The Add after node i's output v, when its other operand is an activation
 * of the same shape computed before i; -1 otherwise. */
static int fusable_add(const lrp_graph *g, const lrp_shapes *s, const lrp_keep *keep,
                       const int *pos, int i, int v, int *other)
{
    int a = sole_reader(g, s, keep, v, &lrp_op_add);
    if (a < 0 || g->nodes[a].n_inputs != 2)
        return -1;
    const lrp_node *add = &g->nodes[a];
    int o = add->inputs[0] == v ? add->inputs[1] : add->inputs[0];
    if (o < 0 || o == v || s->t[o].dtype != LRP_FLOAT || s->t[o].data ||
        !same_shape(&s->t[o], &s->t[v]) || !same_shape(&s->t[add->outputs[0]], &s->t[v]))
        return -1;
    int p = g->values[o].producer;
    if (!g->values[o].is_input && (p < 0 || pos[p] >= pos[i]))
        return -1;
    *other = o;
    return a;
}

static void plan_chain(lrp_fusion *fu, const lrp_graph *g, const lrp_shapes *s,
                       const lrp_keep *keep, const int *pos, int i)
{
    const lrp_node *n = &g->nodes[i];
    if (s->folded[i] || fu->done_by[i] >= 0 || !n->op->forward || n->n_outputs != 1)
        return;
    int v = n->outputs[0], other = -1;
    if (n->op->add_epilogue) {
        int a = fusable_add(g, s, keep, pos, i, v, &other);
        if (a >= 0) {
            fu->done_by[a] = i;
            fu->add_value[i] = other;
            fu->hidden[v] = true;
            v = g->nodes[a].outputs[0];
        }
    }
    if (n->op->relu_epilogue) {
        int r = sole_reader(g, s, keep, v, &lrp_op_relu);
        if (r >= 0) {
            fu->done_by[r] = i;
            fu->relu[i] = true;
            fu->hidden[v] = true;
            v = g->nodes[r].outputs[0];
        }
    }
    fu->out_value[i] = v;
}

lrp_status lrp_fusion_plan(lrp_fusion *fu, const lrp_graph *g, const lrp_shapes *s,
                           const lrp_keep *keep, const int *pos, lrp_error *err)
{
    size_t nodes = (size_t)g->n_nodes + 1, values = (size_t)g->n_values + 1;
    fu->done_by = malloc(nodes * sizeof *fu->done_by);
    fu->out_value = malloc(nodes * sizeof *fu->out_value);
    fu->add_value = malloc(nodes * sizeof *fu->add_value);
    fu->relu = calloc(nodes, sizeof *fu->relu);
    fu->hidden = calloc(values, sizeof *fu->hidden);
    if (!fu->done_by || !fu->out_value || !fu->add_value || !fu->relu || !fu->hidden) {
        lrp_fusion_free(fu);
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory planning the forward pass");
    }
    for (int i = 0; i < g->n_nodes; i++) {
        fu->done_by[i] = fu->add_value[i] = -1;
        fu->out_value[i] = g->nodes[i].n_outputs > 0 ? g->nodes[i].outputs[0] : -1;
    }
    for (int k = 0; k < g->n_nodes; k++) /* in order: a fused node starts no chain */
        plan_chain(fu, g, s, keep, pos, g->order[k]);
    return LRP_OK;
}
