/* The op table: adding an op is one file and one line here (kept in
 * alphabetical order of the ONNX op_type). */
#include <string.h>

#include "ops/registry.h"

static const lrp_op *const ops[] = {
    &lrp_op_add,
    &lrp_op_averagepool,
    &lrp_op_batchnormalization,
    &lrp_op_cast,
    &lrp_op_clip,
    &lrp_op_concat,
    &lrp_op_constant,
    &lrp_op_constantofshape,
    &lrp_op_conv,
    &lrp_op_div,
    &lrp_op_dropout,
    &lrp_op_expand,
    &lrp_op_flatten,
    &lrp_op_gather,
    &lrp_op_gemm,
    &lrp_op_globalaveragepool,
    &lrp_op_identity,
    &lrp_op_logsoftmax,
    &lrp_op_matmul,
    &lrp_op_maxpool,
    &lrp_op_mul,
    &lrp_op_pad,
    &lrp_op_reducemean,
    &lrp_op_relu,
    &lrp_op_reshape,
    &lrp_op_shape,
    &lrp_op_sigmoid,
    &lrp_op_slice,
    &lrp_op_softmax,
    &lrp_op_squeeze,
    &lrp_op_sub,
    &lrp_op_transpose,
    &lrp_op_unsqueeze,
};

const lrp_op *lrp_op_find(const char *op_type)
{
    for (size_t i = 0; op_type && i < sizeof ops / sizeof *ops; i++)
        if (strcmp(ops[i]->name, op_type) == 0)
            return ops[i];
    return NULL;
}

const lrp_op *lrp_op_at(int i)
{
    return i >= 0 && (size_t)i < sizeof ops / sizeof *ops ? ops[i] : NULL;
}
