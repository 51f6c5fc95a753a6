/* Gemm: Y (M,N) = alpha * A' (M,K) * B' (K,N) + beta * C, where A' and B'
 * are A, B optionally transposed and C broadcasts to (M,N). */
#include <stdlib.h>

#include "blas/gemm.h"
#include "ops/gemm.h"
#include "ops/op.h"


static lrp_status gemm_parse(lrp_node *n, lrp_error *err)
{
    lrp_gemm_params *p = calloc(1, sizeof *p);
    if (!p)
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
    n->params = p;
    lrp_status st;
    if ((st = lrp_attr_float(n, "alpha", 1.0f, &p->alpha, err)) ||
        (st = lrp_attr_float(n, "beta", 1.0f, &p->beta, err)) ||
        (st = lrp_attr_int(n, "transA", 0, &p->trans_a, err)) ||
        (st = lrp_attr_int(n, "transB", 0, &p->trans_b, err)))
        return st;
    return LRP_OK;
}

/* C must broadcast to (M,N): scalar, (N), (1,N), (M,1) or (M,N). */
static bool bias_fits(const lrp_tensor *c, int64_t m, int64_t n)
{
    if (c->rank == 0)
        return true;
    if (c->rank == 1)
        return c->dims[0] == n || c->dims[0] == 1;
    if (c->rank != 2)
        return false;
    return (c->dims[0] == m || c->dims[0] == 1 || m < 0) &&
           (c->dims[1] == n || c->dims[1] == 1);
}

static lrp_status gemm_infer(const lrp_node *n, lrp_tensor *const *in, lrp_tensor *const *out,
                             lrp_error *err)
{
    const lrp_gemm_params *p = n->params;
    const lrp_tensor *a = in[0], *b = in[1], *c = in[2];
    char as[96], bs[96], cs[96] = "none";
    if (a->dtype != LRP_FLOAT || b->dtype != LRP_FLOAT || (c && c->dtype != LRP_FLOAT))
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED, LRP_NODE_FMT "inputs must be float32",
                             LRP_NODE_ARGS(n));
    int64_t m = a->rank == 2 ? a->dims[p->trans_a ? 1 : 0] : -1;
    int64_t ka = a->rank == 2 ? a->dims[p->trans_a ? 0 : 1] : -1;
    int64_t kb = b->rank == 2 ? b->dims[p->trans_b ? 1 : 0] : -1;
    int64_t nn = b->rank == 2 ? b->dims[p->trans_b ? 0 : 1] : -1;
    if (a->rank != 2 || b->rank != 2 || (ka >= 0 && ka != kb) || (c && !bias_fits(c, m, nn))) {
        if (c)
            lrp_tensor_shape_str(c, cs, sizeof cs);
        return lrp_error_set(err, LRP_ERR_SHAPE,
                             LRP_NODE_FMT "A %s, B %s (transA=%lld, transB=%lld) and C %s "
                                          "do not fit",
                             LRP_NODE_ARGS(n), lrp_tensor_shape_str(a, as, sizeof as),
                             lrp_tensor_shape_str(b, bs, sizeof bs), (long long)p->trans_a,
                             (long long)p->trans_b, cs);
    }
    out[0]->dtype = LRP_FLOAT;
    out[0]->rank = 2;
    out[0]->dims[0] = m;
    out[0]->dims[1] = nn;
    return LRP_OK;
}

static void gemm_forward(const lrp_node *n, const lrp_tensor *const *in, lrp_tensor *const *out,
                         lrp_forward_ctx *scratch)
{
    (void)scratch;
    const lrp_gemm_params *p = n->params;
    const lrp_tensor *a = in[0], *b = in[1], *c = in[2];
    float *y = out[0]->data;
    int m = (int)out[0]->dims[0], nn = (int)out[0]->dims[1];
    int k = (int)a->dims[p->trans_a ? 0 : 1];
    float beta = 0.0f;
    if (c && p->beta != 0.0f) {
        const float *cd = c->data;
        int64_t cm = c->rank == 2 ? c->dims[0] : 1;
        int64_t cn = c->rank == 0 ? 1 : c->dims[c->rank - 1];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < nn; j++)
                y[(long)i * nn + j] = cd[(cm == 1 ? 0 : i) * cn + (cn == 1 ? 0 : j)];
        beta = p->beta;
    }
    lrp_sgemm(p->trans_a, p->trans_b, m, nn, k, p->alpha, a->data, (int)a->dims[1], b->data,
              (int)b->dims[1], beta, y, nn);
}

static double gemm_flops(const lrp_node *n, const lrp_tensor *const *in,
                         const lrp_tensor *const *out)
{
    const lrp_gemm_params *p = n->params;
    return (double)lrp_tensor_count(out[0]) * (double)in[0]->dims[p->trans_a ? 0 : 1];
}

const lrp_op lrp_op_gemm = {
    .name = "Gemm",
    .min_inputs = 2,
    .max_inputs = 3,
    .n_outputs = 1,
    .relevance = LRP_REL_GEMM,
    .parse = gemm_parse,
    .infer = gemm_infer,
    .forward = gemm_forward,
    .flops = gemm_flops,
};
