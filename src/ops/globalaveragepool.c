/* GlobalAveragePool: (N,C,H,W) -> (N,C,1,1), the mean of each plane. */
#include <string.h>

#include "ops/pooling.h"

static lrp_status gap_infer(const lrp_node *n, lrp_tensor *const *in, lrp_tensor *const *out,
                            lrp_error *err)
{
    char xs[96];
    if (in[0]->dtype != LRP_FLOAT || in[0]->rank < 3)
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                             LRP_NODE_FMT "X must be float32 of rank >= 3, got %s",
                             LRP_NODE_ARGS(n), lrp_tensor_shape_str(in[0], xs, sizeof xs));
    *out[0] = *in[0];
    out[0]->data = NULL;
    for (int i = 2; i < in[0]->rank; i++)
        out[0]->dims[i] = 1;
    return LRP_OK;
}

bool lrp_pooling_is_global(const lrp_node *n)
{
    return strcmp(n->op_type, "GlobalAveragePool") == 0 ||
           strcmp(n->op_type, "ReduceMean") == 0;
}

void lrp_global_mean_forward(const lrp_node *n, const lrp_tensor *const *in,
                             lrp_tensor *const *out, lrp_forward_ctx *scratch)
{
    (void)n;
    (void)scratch;
    size_t planes = lrp_tensor_count(out[0]);
    size_t inner = lrp_tensor_count(in[0]) / planes;
    const float *x = in[0]->data;
    float *y = out[0]->data;
    for (size_t p = 0; p < planes; p++) {
        double sum = 0.0;
        for (size_t k = 0; k < inner; k++)
            sum += x[p * inner + k];
        y[p] = (float)(sum / (double)inner);
    }
}

const lrp_op lrp_op_globalaveragepool = {
    .name = "GlobalAveragePool",
    .min_inputs = 1,
    .max_inputs = 1,
    .n_outputs = 1,
    .relevance = LRP_REL_AVGPOOL,
    .keeps_sign = true,
    .infer = gap_infer,
    .forward = lrp_global_mean_forward,
};
