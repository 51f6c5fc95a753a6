/* Squeeze: removes dims of size 1, those named by axes (attribute before
 * opset 13, input 1 from then on) or, without axes, every dim known to be
 * 1; an unknown dim is kept then, as it may be the batch. */
#include "ops/registry.h"
#include "ops/shape_util.h"

static lrp_status squeeze_infer(const lrp_node *n, lrp_tensor *const *in,
                                lrp_tensor *const *out, lrp_error *err)
{
    const lrp_tensor *x = in[0];
    int64_t axes[LRP_MAX_RANK];
    bool drop[LRP_MAX_RANK];
    int count;
    char xs[96];
    lrp_status st;
    if ((st = lrp_shape_axes(n, in, axes, &count, err)) ||
        (st = lrp_shape_axis_flags(n, axes, count, x->rank, x, drop, err)))
        return st;
    *out[0] = *x;
    out[0]->data = NULL;
    out[0]->rank = 0;
    for (int d = 0; d < x->rank; d++) {
        if (count == 0)
            drop[d] = x->dims[d] == 1;
        if (drop[d] && x->dims[d] >= 0 && x->dims[d] != 1)
            return lrp_error_set(err, LRP_ERR_SHAPE,
                                 LRP_NODE_FMT "cannot squeeze dim %d "
                                              "of size %lld in input %s",
                                 LRP_NODE_ARGS(n), d, (long long)x->dims[d],
                                 lrp_tensor_shape_str(x, xs, sizeof xs));
        if (!drop[d])
            out[0]->dims[out[0]->rank++] = x->dims[d];
    }
    return lrp_shape_fold_copy(n, x, out[0], err);
}

const lrp_op lrp_op_squeeze = {
    .name = "Squeeze",
    .min_inputs = 1,
    .max_inputs = 2,
    .n_outputs = 1,
    .relevance = LRP_REL_RESHAPE,
    .keeps_sign = true,
    .carries_gate = true,
    .parse = lrp_shape_parse_axes,
    .infer = squeeze_infer,
    .forward = lrp_shape_forward_copy,
};
