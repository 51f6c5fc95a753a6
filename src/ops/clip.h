/* Clip's bounds, shared with its gradient in the rules. */
#ifndef LRP_OPS_CLIP_H
#define LRP_OPS_CLIP_H

#include "ops/op.h"

/* *lo, *hi: inputs 1 and 2 when present (constants, checked by infer), else
 * the opset-6 attributes, else -inf / +inf. in: the node's input values. */
void lrp_clip_bounds(const lrp_node *n, const lrp_tensor *const *in, float *lo, float *hi);

#endif
