/* ReduceMean over every axis from 2 of an (N, C, ...) float tensor, as an
 * SE block's squeeze (x.mean((2, 3), keepdim=True)) or a global pool is
 * exported: a GlobalAveragePool, with keepdims=0 the dims dropped. Axes from
 * the attribute, or from input 1 (opset 18). Other reductions are refused. */
#include "ops/pooling.h"
#include "ops/shape_util.h"

typedef struct reducemean_params {
    lrp_axes_params axes; /* first: lrp_shape_axes reads it */
    int64_t keepdims;
} reducemean_params;

static lrp_status reducemean_parse(lrp_node *n, lrp_error *err)
{
    reducemean_params p = {0};
    lrp_status st = lrp_attr_ints(n, "axes", p.axes.axes, LRP_MAX_RANK, &p.axes.count, err);
    if (st || (st = lrp_attr_int(n, "keepdims", 1, &p.keepdims, err)))
        return st;
    return lrp_op_set_params(n, &p, sizeof p, err);
}

static lrp_status reducemean_infer(const lrp_node *n, lrp_tensor *const *in,
                                   lrp_tensor *const *out, lrp_error *err)
{
    const reducemean_params *p = n->params;
    const lrp_tensor *x = in[0];
    int64_t axes[LRP_MAX_RANK];
    bool flag[LRP_MAX_RANK];
    int count;
    char xs[96];
    lrp_status st;
    if ((st = lrp_shape_expect(n, x, "data", LRP_FLOAT, err)) ||
        (st = lrp_shape_axes(n, in, axes, &count, err)) ||
        (st = lrp_shape_axis_flags(n, axes, count, x->rank, x, flag, err)))
        return st;
    bool spatial = x->rank >= 3 && count == x->rank - 2;
    for (int d = 0; d < x->rank; d++)
        spatial = spatial && flag[d] == (d >= 2);
    if (!spatial)
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                             LRP_NODE_FMT
                             "only the mean over every "
                             "axis from 2 (a global average pool) is supported, not these "
                             "axes of input %s",
                             LRP_NODE_ARGS(n), lrp_tensor_shape_str(x, xs, sizeof xs));
    *out[0] = *x;
    out[0]->data = NULL;
    out[0]->rank = p->keepdims ? x->rank : 2;
    for (int d = 2; d < out[0]->rank; d++)
        out[0]->dims[d] = 1;
    return LRP_OK;
}

const lrp_op lrp_op_reducemean = {
    .name = "ReduceMean",
    .min_inputs = 1,
    .max_inputs = 2,
    .n_outputs = 1,
    .relevance = LRP_REL_AVGPOOL,
    .keeps_sign = true,
    .parse = reducemean_parse,
    .infer = reducemean_infer,
    .forward = lrp_global_mean_forward,
};
