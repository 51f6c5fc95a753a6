/* Sigmoid: Y = 1 / (1 + exp(-X)) elementwise, float32: the gate of a
 * squeeze-and-excitation block. */
#include <math.h>

#include "ops/registry.h"
#include "ops/shape_util.h"

static void sigmoid_forward(const lrp_node *n, const lrp_tensor *const *in,
                            lrp_tensor *const *out, lrp_forward_ctx *scratch)
{
    (void)n;
    (void)scratch;
    const float *x = in[0]->data;
    float *y = out[0]->data;
    size_t count = lrp_tensor_count(in[0]);
    for (size_t i = 0; i < count; i++) /* exp of a large |x| saturates to 0 or 1 */
        y[i] = 1.0f / (1.0f + expf(-x[i]));
}

const lrp_op lrp_op_sigmoid = {
    .name = "Sigmoid",
    .min_inputs = 1,
    .max_inputs = 1,
    .n_outputs = 1,
    .relevance = LRP_REL_GATE,
    .infer = lrp_shape_float_elementwise,
    .forward = sigmoid_forward,
};
