/* What Softmax and LogSoftmax share: the axis attribute (with the opset
 * < 13 "flatten to 2-D" semantics), shapes, and the kernel. */
#ifndef LRP_OPS_SOFTMAX_H
#define LRP_OPS_SOFTMAX_H

#include "ops/op.h"

lrp_status lrp_softmax_parse(lrp_node *n, lrp_error *err);
lrp_status lrp_softmax_infer(const lrp_node *n, lrp_tensor *const *in, lrp_tensor *const *out,
                             lrp_error *err);
/* Does node n normalize each image's values (all of x's dims but the first)
 * together, as a classifier's final (Log)Softmax does? Unknown dims: no. */
bool lrp_softmax_per_image(const lrp_node *n, const lrp_tensor *x);
/* out[0] = softmax(in[0]), or log_softmax with take_log, along the node's axis. */
void lrp_softmax_run(const lrp_node *n, const lrp_tensor *const *in, lrp_tensor *const *out,
                     bool take_log);

#endif
