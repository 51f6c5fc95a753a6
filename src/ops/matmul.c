/* MatMul with a 2-D right operand: A (..., M, K) * B (K, N) -> (..., M, N),
 * computed as one GEMM over the flattened leading dims of A. */
#include "blas/gemm.h"
#include "ops/op.h"

static lrp_status matmul_infer(const lrp_node *n, lrp_tensor *const *in, lrp_tensor *const *out,
                               lrp_error *err)
{
    const lrp_tensor *a = in[0], *b = in[1];
    char as[96], bs[96];
    if (a->dtype != LRP_FLOAT || b->dtype != LRP_FLOAT)
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED, LRP_NODE_FMT "inputs must be float32",
                             LRP_NODE_ARGS(n));
    if (a->rank < 2 || b->rank != 2 ||
        (a->dims[a->rank - 1] >= 0 && a->dims[a->rank - 1] != b->dims[0]))
        return lrp_error_set(err,
                             a->rank < 2 || b->rank != 2 ? LRP_ERR_UNSUPPORTED : LRP_ERR_SHAPE,
                             LRP_NODE_FMT "A %s and B %s do not fit (supported: A of rank >= 2 "
                                          "times a 2-D B)",
                             LRP_NODE_ARGS(n), lrp_tensor_shape_str(a, as, sizeof as),
                             lrp_tensor_shape_str(b, bs, sizeof bs));
    *out[0] = *a;
    out[0]->data = NULL;
    out[0]->dims[a->rank - 1] = b->dims[1];
    return LRP_OK;
}

static void matmul_forward(const lrp_node *n, const lrp_tensor *const *in,
                           lrp_tensor *const *out, lrp_forward_ctx *scratch)
{
    (void)n;
    (void)scratch;
    const lrp_tensor *a = in[0], *b = in[1];
    int k = (int)b->dims[0], nn = (int)b->dims[1];
    int m = (int)(lrp_tensor_count(a) / (size_t)k);
    lrp_sgemm(false, false, m, nn, k, 1.0f, a->data, k, b->data, nn, 0.0f, out[0]->data, nn);
}

static double matmul_flops(const lrp_node *n, const lrp_tensor *const *in,
                           const lrp_tensor *const *out)
{
    (void)n;
    return (double)lrp_tensor_count(out[0]) * (double)in[1]->dims[0];
}

const lrp_op lrp_op_matmul = {
    .name = "MatMul",
    .min_inputs = 2,
    .max_inputs = 2,
    .n_outputs = 1,
    .relevance = LRP_REL_MATMUL,
    .infer = matmul_infer,
    .forward = matmul_forward,
    .flops = matmul_flops,
};
