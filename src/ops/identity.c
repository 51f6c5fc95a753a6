/* Identity: Y = X, any dtype; known int64 data (shapes) passes through at
 * infer time so shape subgraphs keep folding. */
#include "ops/registry.h"
#include "ops/shape_util.h"

static lrp_status identity_infer(const lrp_node *n, lrp_tensor *const *in,
                                 lrp_tensor *const *out, lrp_error *err)
{
    *out[0] = *in[0];
    out[0]->data = NULL;
    return lrp_shape_fold_copy(n, in[0], out[0], err);
}

const lrp_op lrp_op_identity = {
    .name = "Identity",
    .min_inputs = 1,
    .max_inputs = 1,
    .n_outputs = 1,
    .relevance = LRP_REL_RESHAPE,
    .keeps_sign = true,
    .carries_gate = true,
    .infer = identity_infer,
    .forward = lrp_shape_forward_copy,
};
