/* Shape inference over the whole graph for one input shape. Shape-valued
 * subgraphs (Shape, Gather, Unsqueeze, Concat feeding Reshape) are computed
 * here, so they fold to constants as soon as the input dims are known. */
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

/* Runs every op's infer() in topological order with the graph input
 * shaped as 'input' (dims -1 stay unknown). Fails, naming the node, on the
 * first shape error; also on tensors of more than 2^40 elements. */
lrp_status lrp_shapes_infer(const lrp_graph *g, const lrp_tensor *input, lrp_shapes *s,
                            lrp_error *err);
void lrp_shapes_free(lrp_shapes *s); /* NULL-safe */

/* The graph input's declared shape with 'dims' bound into it: fixed dims
 * must match, -1 dims take the given value. Message names the input. */
lrp_status lrp_shapes_bind_input(const lrp_graph *g, int rank, const int64_t *dims,
                                 lrp_tensor *bound, lrp_error *err);

#endif
