/* The shapes of a graph's values: their storage, the size limit and the
 * input binding (passes/infer_shapes.c runs the ops' infer()). */
#include "graph/shapes.h"

#include <stdlib.h>
#include <string.h>

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
        if (t->dims[i] > 0 &&
            (!lrp_mul_size(count, (size_t)t->dims[i], &count) || count > MAX_ELEMENTS))
            return lrp_error_set(err, LRP_ERR_LIMIT,
                                 LRP_NODE_FMT "an output would hold more than 2^40 elements",
                                 LRP_NODE_ARGS(n));
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
