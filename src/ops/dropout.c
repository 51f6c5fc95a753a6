/* Dropout in inference: Y = X. The optional ratio and training_mode inputs
 * are ignored; only output 0 is computed (n_outputs = 1), so the engine
 * rejects a graph that uses the mask output as unsupported. */
#include "ops/registry.h"
#include "ops/shape_util.h"

static lrp_status dropout_infer(const lrp_node *n, lrp_tensor *const *in,
                                lrp_tensor *const *out, lrp_error *err)
{
    *out[0] = *in[0];
    out[0]->data = NULL;
    return lrp_shape_fold_copy(n, in[0], out[0], err);
}

const lrp_op lrp_op_dropout = {
    .name = "Dropout",
    .min_inputs = 1,
    .max_inputs = 3,
    .n_outputs = 1,
    .relevance = LRP_REL_RESHAPE,
    .keeps_sign = true,
    .infer = dropout_infer,
    .forward = lrp_shape_forward_copy,
};
