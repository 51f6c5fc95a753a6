/* Ops that only move elements (Pad, Slice, Transpose, Expand): each output
 * element is one element of input 0 or a fill constant. The op describes the map
 * once; the forward kernel, folding at infer time and the relevance rule
 * (the adjoint: each output's R back to its source) all follow it. */
#ifndef LRP_OPS_INDEX_MAP_H
#define LRP_OPS_INDEX_MAP_H

#include "graph/tensor.h"
#include "util/error.h"

struct lrp_node;

/* Output element j (a multi-index over out's dims) reads input element i
 * with i[axis[d]] = start[d] + step[d] * j[d] for every output dim d; it
 * is the fill where some i[axis[d]] falls outside the input. A dim with
 * start 0 and step 0 reads element 0 (a broadcast or a new leading dim). */
typedef struct lrp_index_map {
    int axis[LRP_MAX_RANK];
    int64_t start[LRP_MAX_RANK], step[LRP_MAX_RANK];
} lrp_index_map;

/* The identity map of a rank (Pad and Slice then set start/step). */
void lrp_index_map_identity(lrp_index_map *m, int rank);

/* y = x moved by m (any dtype; 'fill' one element of it, NULL = zeros). */
void lrp_index_map_forward(const lrp_index_map *m, const lrp_tensor *x, lrp_tensor *y,
                           const void *fill);

/* r_x[source(j)] += r_y[j] for every output j with a source (float). */
void lrp_index_map_adjoint(const lrp_index_map *m, const lrp_tensor *x, const lrp_tensor *y,
                           const float *r_y, float *r_x);

/* An op's route (ops/op.h) from its map function. */
typedef void (*lrp_index_map_fn)(const struct lrp_node *n, const lrp_tensor *const *in,
                                 const lrp_tensor *out, lrp_index_map *m);
void lrp_index_map_route(lrp_index_map_fn map, const struct lrp_node *n,
                         const lrp_tensor *const *in, const lrp_tensor *out, const float *r_out,
                         float *const *r_in);

/* When x's data is known (a constant, or folded shape arithmetic), y (shape
 * set) gets its own computed copy, so that shape subgraphs fold. */
lrp_status lrp_index_map_fold(const struct lrp_node *n, const lrp_index_map *m,
                              const lrp_tensor *x, lrp_tensor *y, const void *fill,
                              lrp_error *err);

/* An activation (float, data unknown) must keep its batch axis 0 whole and
 * in place: the reverse pass splits relevance per image. */
lrp_status lrp_index_map_check_batch(const struct lrp_node *n, const lrp_index_map *m,
                                     const lrp_tensor *x, const lrp_tensor *y, lrp_error *err);

#endif
