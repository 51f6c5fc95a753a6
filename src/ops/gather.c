/* Gather: Y = data indexed by int64 indices along axis; Y's shape is
 * data[:axis] + indices + data[axis+1:]. int64 data with known indices
 * (a dim picked out of a Shape) is computed at infer time. */
#include <string.h>

#include "ops/registry.h"
#include "ops/shape_util.h"

typedef struct gather_params {
    int64_t axis;
} gather_params;

static lrp_status gather_parse(lrp_node *n, lrp_error *err)
{
    gather_params p;
    lrp_status st = lrp_attr_int(n, "axis", 0, &p.axis, err);
    return st ? st : lrp_op_set_params(n, &p, sizeof p, err);
}

/* Every known index must lie in [-dim, dim) when the dim is known. */
static lrp_status check_bounds(const lrp_node *n, const lrp_tensor *x, const lrp_tensor *idx,
                               int axis, lrp_error *err)
{
    const int64_t *v = idx->data;
    size_t count = lrp_tensor_count(idx);
    int64_t dim = x->dims[axis];
    char xs[96];
    for (size_t k = 0; v && dim >= 0 && k < count; k++)
        if (v[k] < -dim || v[k] >= dim)
            return lrp_error_set(err, LRP_ERR_SHAPE,
                                 LRP_NODE_FMT "index %lld is out of "
                                              "bounds for axis %d of size %lld (data %s)",
                                 LRP_NODE_ARGS(n), (long long)v[k], axis, (long long)dim,
                                 lrp_tensor_shape_str(x, xs, sizeof xs));
    return LRP_OK;
}

static lrp_status out_shape(const lrp_node *n, const lrp_tensor *x, const lrp_tensor *idx,
                            int axis, lrp_tensor *y, lrp_error *err)
{
    char xs[96], is[96];
    if (x->rank - 1 + idx->rank > LRP_MAX_RANK)
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                             LRP_NODE_FMT "data %s with indices "
                                          "%s gives a rank above %d",
                             LRP_NODE_ARGS(n), lrp_tensor_shape_str(x, xs, sizeof xs),
                             lrp_tensor_shape_str(idx, is, sizeof is), LRP_MAX_RANK);
    y->dtype = x->dtype;
    y->rank = 0;
    for (int d = 0; d < axis; d++)
        y->dims[y->rank++] = x->dims[d];
    for (int d = 0; d < idx->rank; d++)
        y->dims[y->rank++] = idx->dims[d];
    for (int d = axis + 1; d < x->rank; d++)
        y->dims[y->rank++] = x->dims[d];
    return LRP_OK;
}

/* data viewed as (outer, dim, inner), Y as (outer, count, inner); any
 * dtype. An index out of range (only possible when infer() could not see
 * it) gives zeros, since forward() cannot fail. */
static void gather_run(const lrp_tensor *x, const lrp_tensor *idx, lrp_tensor *y, int axis)
{
    size_t outer = 1, inner = lrp_dtype_size(x->dtype), count = lrp_tensor_count(idx);
    int64_t dim = x->dims[axis];
    const int64_t *v = idx->data;
    for (int d = 0; d < axis; d++)
        outer *= (size_t)x->dims[d];
    for (int d = axis + 1; d < x->rank; d++)
        inner *= (size_t)x->dims[d];
    for (size_t o = 0; o < outer; o++)
        for (size_t k = 0; k < count; k++) {
            int64_t i = v[k] < 0 ? v[k] + dim : v[k];
            char *dst = (char *)y->data + (o * count + k) * inner;
            if (i < 0 || i >= dim)
                memset(dst, 0, inner);
            else
                memcpy(dst, (const char *)x->data + (o * (size_t)dim + (size_t)i) * inner,
                       inner);
        }
}

static lrp_status gather_infer(const lrp_node *n, lrp_tensor *const *in, lrp_tensor *const *out,
                               lrp_error *err)
{
    const gather_params *p = n->params;
    const lrp_tensor *x = in[0], *idx = in[1];
    int axis = 0;
    char xs[96];
    if (x->dtype != LRP_FLOAT && x->dtype != LRP_INT64)
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                             LRP_NODE_FMT "data %s is %s, only "
                                          "float32 and int64 are supported",
                             LRP_NODE_ARGS(n), lrp_tensor_shape_str(x, xs, sizeof xs),
                             lrp_dtype_name(x->dtype));
    lrp_status st;
    if ((st = lrp_shape_expect(n, idx, "indices", LRP_INT64, err)) ||
        (st = lrp_shape_axis(n, p->axis, x->rank, x, &axis, err)) ||
        (st = check_bounds(n, x, idx, axis, err)) ||
        (st = out_shape(n, x, idx, axis, out[0], err)))
        return st;
    if (x->dtype != LRP_INT64 || !x->data || !idx->data)
        return LRP_OK;
    if ((st = lrp_shape_alloc_int64(n, out[0], err)) == LRP_OK)
        gather_run(x, idx, out[0], axis);
    return st;
}

static void gather_forward(const lrp_node *n, const lrp_tensor *const *in,
                           lrp_tensor *const *out, lrp_forward_ctx *scratch)
{
    (void)scratch;
    const gather_params *p = n->params;
    int axis = (int)(p->axis < 0 ? p->axis + in[0]->rank : p->axis);
    gather_run(in[0], in[1], out[0], axis);
}

const lrp_op lrp_op_gather = {
    .name = "Gather",
    .min_inputs = 2,
    .max_inputs = 2,
    .n_outputs = 1,
    .parse = gather_parse,
    .infer = gather_infer,
    .forward = gather_forward,
};
