/* Relu: Y = max(X, 0) elementwise, float32. */
#include "ops/registry.h"
#include "ops/shape_util.h"

static lrp_status relu_infer(const lrp_node *n, lrp_tensor *const *in,
                             lrp_tensor *const *out, lrp_error *err)
{
    lrp_status st = lrp_shape_expect(n, in[0], "X", LRP_FLOAT, err);
    if (st)
        return st;
    *out[0] = *in[0];
    out[0]->data = NULL;
    return LRP_OK;
}

static void relu_forward(const lrp_node *n, const lrp_tensor *const *in,
                         lrp_tensor *const *out, lrp_scratch *scratch)
{
    (void)n;
    (void)scratch;
    const float *x = in[0]->data;
    float *y = out[0]->data;
    size_t count = lrp_tensor_count(in[0]);
    for (size_t i = 0; i < count; i++)
        y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

const lrp_op lrp_op_relu = {
    .name = "Relu",
    .min_inputs = 1,
    .max_inputs = 1,
    .n_outputs = 1,
    .infer = relu_infer,
    .forward = relu_forward,
};
