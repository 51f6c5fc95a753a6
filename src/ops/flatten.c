/* Flatten: (d0, ..., dr-1) -> (d0*...*d(axis-1), d(axis)*...*d(r-1)); axis
 * defaults to 1 and may be negative. The data is copied unchanged. */
#include "ops/registry.h"
#include "ops/shape_util.h"

typedef struct flatten_params {
    int64_t axis;
} flatten_params;

static lrp_status flatten_parse(lrp_node *n, lrp_error *err)
{
    flatten_params p;
    lrp_status st = lrp_attr_int(n, "axis", 1, &p.axis, err);
    return st ? st : lrp_op_set_params(n, &p, sizeof p, err);
}

static lrp_status flatten_infer(const lrp_node *n, lrp_tensor *const *in,
                                lrp_tensor *const *out, lrp_error *err)
{
    const flatten_params *p = n->params;
    const lrp_tensor *x = in[0];
    char xs[96];
    /* Unlike most axes, axis == rank is valid here: it gives (count, 1). */
    int64_t axis = p->axis < 0 ? p->axis + x->rank : p->axis;
    if (axis < 0 || axis > x->rank)
        return lrp_error_set(err, LRP_ERR_SHAPE,
                             LRP_NODE_FMT "axis %lld is out of range "
                                          "[%d, %d] for input %s",
                             LRP_NODE_ARGS(n), (long long)p->axis, -x->rank, x->rank,
                             lrp_tensor_shape_str(x, xs, sizeof xs));
    int64_t outer, inner;
    lrp_status st;
    if ((st = lrp_shape_product(n, x->dims, (int)axis, &outer, err)) ||
        (st = lrp_shape_product(n, x->dims + axis, x->rank - (int)axis, &inner, err)))
        return st;
    out[0]->dtype = x->dtype;
    out[0]->rank = 2;
    out[0]->dims[0] = outer;
    out[0]->dims[1] = inner;
    return lrp_shape_fold_copy(n, x, out[0], err);
}

const lrp_op lrp_op_flatten = {
    .name = "Flatten",
    .min_inputs = 1,
    .max_inputs = 1,
    .n_outputs = 1,
    .relevance = LRP_REL_RESHAPE,
    .keeps_sign = true,
    .carries_gate = true,
    .parse = flatten_parse,
    .infer = flatten_infer,
    .forward = lrp_shape_forward_copy,
};
