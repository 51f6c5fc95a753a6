/* numpy (multidirectional) broadcasting: the output shape of two inputs and
 * elementwise binary kernels over float32 and int64 that broadcast. */
#ifndef LRP_OPS_BROADCAST_H
#define LRP_OPS_BROADCAST_H

#include "ops/op.h"

typedef enum lrp_binop {
    LRP_BINOP_ADD,
    LRP_BINOP_SUB,
    LRP_BINOP_MUL,
    LRP_BINOP_DIV,
} lrp_binop;

/* Fills out->rank and out->dims with the broadcast of a and b (dtype and
 * data untouched). Dims align from the right; a 1 takes the other side's
 * dim; an unknown (-1) takes the other side's known dim unless that is 1
 * (then the result stays -1); two unknowns stay -1. Known dims that
 * differ and are not 1 are LRP_ERR_SHAPE naming n and both shapes. */
lrp_status lrp_broadcast_shape(const lrp_node *n, const lrp_tensor *a, const lrp_tensor *b,
                               lrp_tensor *out, lrp_error *err);

/* The iteration of out = f(a, b) reduced to the fewest loops: dims of size
 * 1 are dropped and neighbouring dims merged while both operands keep the
 * same broadcast pattern. Equal shapes become one dim; a scalar operand one
 * dim with stride 0; a per-channel (1,C,1,1) against (N,C,H,W) becomes
 * (N, C, H*W) with strides (0, 1, 0). The last dim is the inner loop. */
typedef struct lrp_broadcast_plan {
    int rank;                      /* >= 1 */
    size_t dims[LRP_MAX_RANK];     /* merged output dims */
    size_t stride_a[LRP_MAX_RANK]; /* element strides in a; 0 = broadcast */
    size_t stride_b[LRP_MAX_RANK];
} lrp_broadcast_plan;

/* a and b must broadcast to out, whose dims are all known. */
void lrp_broadcast_plan_make(const lrp_tensor *a, const lrp_tensor *b, const lrp_tensor *out,
                             lrp_broadcast_plan *plan);

/* out->data = a op b elementwise, shapes as from lrp_broadcast_shape with
 * every dim known; allocation-free. out->data may alias a->data or b->data
 * when that operand has out's shape. Integer division truncates toward
 * zero and gives 0 for a zero divisor; int64 overflow wraps. */
void lrp_broadcast_f32(lrp_binop op, const lrp_tensor *a, const lrp_tensor *b, lrp_tensor *out);
/* The same, then max(out, 0) when 'relu'; operands of out's shape (a
 * residual Add) split over 'pool'. */
void lrp_broadcast_f32_on(lrp_pool *pool, lrp_binop op, const lrp_tensor *a,
                          const lrp_tensor *b, lrp_tensor *out, bool relu);
void lrp_broadcast_i64(lrp_binop op, const lrp_tensor *a, const lrp_tensor *b, lrp_tensor *out);

#endif
