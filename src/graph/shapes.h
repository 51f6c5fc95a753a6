/* The inferred shapes of a graph's values for one input shape (computed by
 * lrp_shapes_infer in passes/infer_shapes.h). */
#ifndef LRP_GRAPH_SHAPES_H
#define LRP_GRAPH_SHAPES_H

#include "graph/graph.h"

typedef struct lrp_shapes {
    lrp_tensor *t; /* per value; data: constants (borrowed) or computed (owned) */
    bool *owned;   /* per value: t[v].data was computed here */
    bool *folded;  /* per node: every output was computed during inference */
    int n_values, n_nodes;
} lrp_shapes;

/* Refuses (naming node n) a tensor t with a dim below -1 or more than 2^40
 * elements; the ops that compute data at infer time check before allocating. */
lrp_status lrp_shapes_check_size(const lrp_node *n, const lrp_tensor *t, lrp_error *err);

void lrp_shapes_free(lrp_shapes *s); /* NULL-safe */

/* The graph input's declared shape with 'dims' bound into it: fixed dims
 * must match, -1 dims take the given value. Message names the input. */
lrp_status lrp_shapes_bind_input(const lrp_graph *g, int rank, const int64_t *dims,
                                 lrp_tensor *bound, lrp_error *err);

#endif
