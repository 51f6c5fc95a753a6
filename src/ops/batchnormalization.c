/* BatchNormalization in inference form: per channel (axis 1),
 * y = (x - mean) / sqrt(var + epsilon) * scale + B. */
#include <math.h>
#include <stdlib.h>

#include "ops/batchnorm.h"
#include "ops/op.h"


static lrp_status bn_parse(lrp_node *n, lrp_error *err)
{
    lrp_bn_params *p = calloc(1, sizeof *p);
    if (!p)
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
    n->params = p;
    int64_t training = 0;
    lrp_status st = lrp_attr_float(n, "epsilon", 1e-5f, &p->epsilon, err);
    if (st == LRP_OK)
        st = lrp_attr_int(n, "training_mode", 0, &training, err);
    if (st == LRP_OK && training)
        st = lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                           LRP_NODE_FMT "training_mode=1 is not supported; export the "
                                        "model in eval mode",
                           LRP_NODE_ARGS(n));
    return st;
}

static lrp_status bn_infer(const lrp_node *n, lrp_tensor *const *in, lrp_tensor *const *out,
                           lrp_error *err)
{
    const lrp_tensor *x = in[0];
    char xs[96], ps[96];
    if (x->dtype != LRP_FLOAT || x->rank < 2)
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                             LRP_NODE_FMT "X must be float32 of rank >= 2, got %s %s",
                             LRP_NODE_ARGS(n), lrp_dtype_name(x->dtype),
                             lrp_tensor_shape_str(x, xs, sizeof xs));
    for (int i = 1; i < 5; i++) {
        const lrp_tensor *p = in[i];
        if (p->dtype != LRP_FLOAT || p->rank != 1 ||
            (x->dims[1] >= 0 && p->dims[0] != x->dims[1]))
            return lrp_error_set(err, LRP_ERR_SHAPE,
                                 LRP_NODE_FMT "input %d %s does not match the %lld channels "
                                              "of X %s",
                                 LRP_NODE_ARGS(n), i, lrp_tensor_shape_str(p, ps, sizeof ps),
                                 (long long)x->dims[1], lrp_tensor_shape_str(x, xs, sizeof xs));
    }
    *out[0] = *x;
    out[0]->data = NULL;
    return LRP_OK;
}

static void bn_forward(const lrp_node *n, const lrp_tensor *const *in, lrp_tensor *const *out,
                       lrp_forward_ctx *scratch)
{
    (void)scratch;
    const lrp_bn_params *p = n->params;
    const lrp_tensor *x = in[0];
    const float *scale = in[1]->data, *bias = in[2]->data;
    const float *mean = in[3]->data, *var = in[4]->data;
    int64_t c_n = x->dims[1];
    size_t inner = lrp_tensor_count(x) / (size_t)(x->dims[0] * c_n);
    const float *xd = x->data;
    float *yd = out[0]->data;
    for (int64_t i = 0; i < x->dims[0]; i++)
        for (int64_t c = 0; c < c_n; c++) {
            float a = scale[c] / sqrtf(var[c] + p->epsilon);
            float b = bias[c] - mean[c] * a;
            size_t off = (size_t)(i * c_n + c) * inner;
            for (size_t k = 0; k < inner; k++)
                yd[off + k] = xd[off + k] * a + b;
        }
}

const lrp_op lrp_op_batchnormalization = {
    .name = "BatchNormalization",
    .min_inputs = 5,
    .max_inputs = 5,
    .n_outputs = 1,
    .relevance = LRP_REL_BATCHNORM,
    .shortcut_step = true,
    .parse = bn_parse,
    .infer = bn_infer,
    .forward = bn_forward,
};
