/* Unsqueeze: inserts dims of size 1 at axes (attribute before opset 13,
 * input 1 from then on), which index the output's dims. */
#include "ops/registry.h"
#include "ops/shape_util.h"

static lrp_status unsqueeze_infer(const lrp_node *n, lrp_tensor *const *in,
                                  lrp_tensor *const *out, lrp_error *err)
{
    const lrp_tensor *x = in[0];
    int64_t axes[LRP_MAX_RANK];
    bool add[LRP_MAX_RANK];
    int count;
    char xs[96];
    lrp_status st = lrp_shape_axes(n, in, axes, &count, err);
    if (st)
        return st;
    if (count == 0 || x->rank + count > LRP_MAX_RANK)
        return lrp_error_set(err, count ? LRP_ERR_UNSUPPORTED : LRP_ERR_PARSE,
                             LRP_NODE_FMT "needs 1 to %d axes for input %s, got %d",
                             LRP_NODE_ARGS(n), LRP_MAX_RANK - x->rank,
                             lrp_tensor_shape_str(x, xs, sizeof xs), count);
    int rank = x->rank + count;
    if ((st = lrp_shape_axis_flags(n, axes, count, rank, x, add, err)))
        return st;
    *out[0] = *x;
    out[0]->data = NULL;
    out[0]->rank = rank;
    for (int d = 0, k = 0; d < rank; d++)
        out[0]->dims[d] = add[d] ? 1 : x->dims[k++];
    return lrp_shape_fold_copy(n, x, out[0], err);
}

const lrp_op lrp_op_unsqueeze = {
    .name = "Unsqueeze",
    .min_inputs = 1,
    .max_inputs = 2,
    .n_outputs = 1,
    .relevance = LRP_REL_RESHAPE,
    .keeps_sign = true,
    .carries_gate = true,
    .parse = lrp_shape_parse_axes,
    .infer = unsqueeze_infer,
    .forward = lrp_shape_forward_copy,
};
