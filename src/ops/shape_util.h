/* Helpers shared by the shape ops (Reshape, Shape, Gather, Squeeze, ...):
 * read int64 tensors, normalize axes, allocate int64 outputs, and the plain
 * copy kernel of every op that only relabels the shape. */
#ifndef LRP_OPS_SHAPE_UTIL_H
#define LRP_OPS_SHAPE_UTIL_H

#include "ops/op.h"

/* Stores a copy of *p (size bytes) as n->params, freeing any old params. */
lrp_status lrp_op_set_params(lrp_node *n, const void *p, size_t size, lrp_error *err);

/* in[i] for infer(), or NULL when slot i is omitted or beyond n_inputs. */
lrp_tensor *lrp_op_input(const lrp_node *n, lrp_tensor *const *in, int i);

/* LRP_ERR_UNSUPPORTED unless t has dtype want; 'what' names it ("X"). */
lrp_status lrp_shape_expect(const lrp_node *n, const lrp_tensor *t, const char *what,
                            lrp_dtype want, lrp_error *err);

/* The infer of an elementwise float32 op of one input X (Relu, Sigmoid):
 * Y has X's shape. */
lrp_status lrp_shape_float_elementwise(const lrp_node *n, lrp_tensor *const *in,
                                       lrp_tensor *const *out, lrp_error *err);

/* Copies the values of t, an int64 tensor of rank 0 or 1 whose data is
 * known, into out[max]; *count gets how many. 'what' names t in messages.
 * Missing data is LRP_ERR_UNSUPPORTED: the value must be a constant or
 * computable from shapes when the node is inferred. */
lrp_status lrp_shape_read(const lrp_node *n, const lrp_tensor *t, const char *what,
                          int64_t *out, int max, int *count, lrp_error *err);

/* *out = axis, counted from the end when negative; axis must lie in
 * [-rank, rank). 'shown' (may be NULL) is the tensor named in the message. */
lrp_status lrp_shape_axis(const lrp_node *n, int64_t axis, int rank, const lrp_tensor *shown,
                          int *out, lrp_error *err);

/* *out = product of dims[0..count), -1 when any dim is unknown (< 0);
 * LRP_ERR_LIMIT when the product overflows int64. */
lrp_status lrp_shape_product(const lrp_node *n, const int64_t *dims, int count, int64_t *out,
                             lrp_error *err);

/* Axes given either as the attribute 'axes' (older opsets) or as an int64
 * input (opset >= 13; then it must be known at infer time). */
typedef struct lrp_axes_params {
    int64_t axes[LRP_MAX_RANK];
    int count; /* 0 when the attribute is absent */
} lrp_axes_params;

/* parse() of such ops: the attribute 'axes' into an lrp_axes_params. */
lrp_status lrp_shape_parse_axes(lrp_node *n, lrp_error *err);

/* The axes from input 1 when present, else from the attribute. */
lrp_status lrp_shape_axes(const lrp_node *n, lrp_tensor *const *in, int64_t *axes, int *count,
                          lrp_error *err);

/* flags[0..rank) = which dims axes[count] name, negatives counted from the
 * end; an axis out of range or named twice is LRP_ERR_SHAPE. */
lrp_status lrp_shape_axis_flags(const lrp_node *n, const int64_t *axes, int count, int rank,
                                const lrp_tensor *shown, bool *flags, lrp_error *err);

/* Sets out to int64 and allocates out->data for its (known) dims. A tensor
 * with zero elements still gets a non-NULL pointer: NULL means "unknown". */
lrp_status lrp_shape_alloc_int64(const lrp_node *n, lrp_tensor *out, lrp_error *err);

/* For ops that only relabel the shape: when in is int64 with known data,
 * out (shape already set) gets a copy of it, so shape subgraphs fold. */
lrp_status lrp_shape_fold_copy(const lrp_node *n, const lrp_tensor *in, lrp_tensor *out,
                               lrp_error *err);

/* forward() of those ops: out[0] = in[0], bytes unchanged (any dtype). */
void lrp_shape_forward_copy(const lrp_node *n, const lrp_tensor *const *in,
                            lrp_tensor *const *out, lrp_forward_ctx *scratch);

#endif
