/* Relu: Y = max(X, 0) elementwise, float32. */
#include "ops/registry.h"
#include "ops/shape_util.h"

typedef struct relu_job {
    const float *x;
    float *y;
} relu_job;

static void relu_range(void *ctx, int range, size_t begin, size_t end)
{
    (void)range;
    const relu_job *j = ctx;
    for (size_t i = begin; i < end; i++)
        j->y[i] = j->x[i] > 0.0f ? j->x[i] : 0.0f;
}

static void relu_forward(const lrp_node *n, const lrp_tensor *const *in, lrp_tensor *const *out,
                         lrp_forward_ctx *scratch)
{
    (void)n;
    relu_job j = {in[0]->data, out[0]->data};
    lrp_pool_for(scratch->pool, lrp_tensor_count(in[0]), relu_range, &j);
}

const lrp_op lrp_op_relu = {
    .name = "Relu",
    .min_inputs = 1,
    .max_inputs = 1,
    .n_outputs = 1,
    .relevance = LRP_REL_RELU,
    .infer = lrp_shape_float_elementwise,
    .forward = relu_forward,
};
