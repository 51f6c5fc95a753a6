/* Shape inference over the whole graph for one input shape. Shape-valued
 * subgraphs (Shape, Gather, Unsqueeze, Concat feeding Reshape) are computed
 * here, so they fold to constants as soon as the input dims are known. */
#ifndef LRP_PASSES_INFER_SHAPES_H
#define LRP_PASSES_INFER_SHAPES_H

#include "graph/shapes.h"

/* Runs every op's infer() in topological order with the graph input
 * shaped as 'input' (dims -1 stay unknown). Fails, naming the node, on the
 * first shape error; also on tensors of more than 2^40 elements. */
lrp_status lrp_shapes_infer(const lrp_graph *g, const lrp_tensor *input, lrp_shapes *s,
                            lrp_error *err);

#endif
