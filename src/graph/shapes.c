/* Whole-graph shape inference, folding shape subgraphs as it goes. */
#include "graph/shapes.h"

#include <stdlib.h>
#include <string.h>

#include "ops/op.h"

#define MAX_ELEMENTS ((size_t)1 << 40)

void lrp_shapes_free(lrp_shapes *s)
{
    if (!s)
        return;
    for (int v = 0; s->owned && v < s->n_values; v++)
        if (s->owned[v])
            free(s->t[v].data);
    free(s->t);
    free(s->owned);
    free(s->folded);
    memset(s, 0, sizeof *s);
}

lrp_status lrp_shapes_check_size(const lrp_node *n, const lrp_tensor *t, lrp_error *err)
{
    size_t count = 1;
    for (int i = 0; i < t->rank; i++) {
        if (t->dims[i] < -1)
            return lrp_error_set(err, LRP_ERR_SHAPE, LRP_NODE_FMT "inferred a negative dim",
                                 LRP_NODE_ARGS(n));
        if (t->dims[i] > 0 && (!lrp_mul_size(count, (size_t)t->dims[i], &count) ||
                               count > MAX_ELEMENTS))
            return lrp_error_set(err, LRP_ERR_LIMIT,
                                 LRP_NODE_FMT "an output would hold more than 2^40 elements",
                                 LRP_NODE_ARGS(n));
    }
    return LRP_OK;
}

static lrp_status infer_node(const lrp_graph *g, int index, lrp_shapes *s, lrp_error *err)
{
    const lrp_node *n = &g->nodes[index];
    lrp_tensor *in[LRP_MAX_INPUTS] = {0}, *out[LRP_MAX_OUTPUTS] = {0};
    if (n->n_inputs > LRP_MAX_INPUTS || n->n_outputs > LRP_MAX_OUTPUTS)
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED, LRP_NODE_FMT "too many inputs or outputs",
                             LRP_NODE_ARGS(n));
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

lrp_status lrp_shapes_bind_input(const lrp_graph *g, int rank, const int64_t *dims,
                                 lrp_tensor *bound, lrp_error *err)
{
    const lrp_value *in = &g->values[g->inputs[0]];
    *bound = in->tensor;
    bound->data = NULL;
    bool fits = rank == in->tensor.rank;
    for (int i = 0; fits && i < rank; i++) {
        fits = dims[i] > 0 && (in->tensor.dims[i] < 0 || in->tensor.dims[i] == dims[i]);
        bound->dims[i] = dims[i];
    }
    if (!fits) {
        lrp_tensor given = {.dtype = LRP_FLOAT, .rank = rank};
        char want[128], got[128];
        for (int i = 0; i < rank && i < LRP_MAX_RANK; i++)
            given.dims[i] = dims[i];
        return lrp_error_set(err, LRP_ERR_SHAPE,
                             "input of shape %s does not fit the model input '%s' %s",
                             lrp_tensor_shape_str(&given, got, sizeof got), in->name,
                             lrp_tensor_shape_str(&in->tensor, want, sizeof want));
    }
    return LRP_OK;
}
