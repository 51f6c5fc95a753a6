/* Whole-graph shape inference, folding shape subgraphs as it goes: each
 * node's op infers its outputs, in topological order. */
#include "passes/infer_shapes.h"

#include <stdlib.h>
#include <string.h>

#include "ops/op.h"

static lrp_status infer_node(const lrp_graph *g, int index, lrp_shapes *s, lrp_error *err)
{
    const lrp_node *n = &g->nodes[index];
    lrp_tensor *in[LRP_MAX_INPUTS] = {0}, *out[LRP_MAX_OUTPUTS] = {0};
    if (n->n_inputs > LRP_MAX_INPUTS || n->n_outputs > LRP_MAX_OUTPUTS)
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                             LRP_NODE_FMT "too many inputs or outputs", LRP_NODE_ARGS(n));
    for (int k = 0; k < n->n_inputs; k++) {
        in[k] = n->inputs[k] >= 0 ? &s->t[n->inputs[k]] : NULL;
        if (in[k] && in[k]->dtype == LRP_UNDEFINED)
            return lrp_error_set(err, LRP_ERR_GRAPH,
                                 LRP_NODE_FMT "input '%s' has no type (it is an unused "
                                              "output of another node)",
                                 LRP_NODE_ARGS(n), g->values[n->inputs[k]].name);
    }
    for (int k = 0; k < n->n_outputs; k++)
        out[k] = &s->t[n->outputs[k]];
    lrp_status st = n->op->infer(n, in, out, err);
    bool folded = n->n_outputs > 0;
    for (int k = 0; st == LRP_OK && k < n->n_outputs; k++) {
        s->owned[n->outputs[k]] = out[k]->data != NULL;
        folded = folded && out[k]->data != NULL;
        st = lrp_shapes_check_size(n, out[k], err);
    }
    s->folded[index] = folded;
    return st;
}

lrp_status lrp_shapes_infer(const lrp_graph *g, const lrp_tensor *input, lrp_shapes *s,
                            lrp_error *err)
{
    memset(s, 0, sizeof *s);
    s->n_values = g->n_values;
    s->n_nodes = g->n_nodes;
    s->t = calloc((size_t)g->n_values + 1, sizeof *s->t);
    s->owned = calloc((size_t)g->n_values + 1, sizeof *s->owned);
    s->folded = calloc((size_t)g->n_nodes + 1, sizeof *s->folded);
    if (!s->t || !s->owned || !s->folded) {
        lrp_shapes_free(s);
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory inferring shapes");
    }
    for (int v = 0; v < g->n_values; v++)
        if (g->values[v].tensor.data)
            s->t[v] = g->values[v].tensor; /* constants: data borrowed */
    s->t[g->inputs[0]] = *input;
    s->t[g->inputs[0]].data = NULL;
    for (int i = 0; i < g->n_nodes; i++) {
        lrp_status st = infer_node(g, g->order[i], s, err);
        if (st) {
            lrp_shapes_free(s);
            return st;
        }
    }
    return LRP_OK;
}
