/* Concat: inputs of one rank joined along axis, float32 or int64. int64
 * inputs that are all known (shape vectors) are joined at infer time.
 * Relevance (DenseNet): each input gets its slice of the output's. */
#include <string.h>

#include "ops/registry.h"
#include "ops/shape_util.h"

typedef struct concat_params {
    int64_t axis;
} concat_params;

static lrp_status concat_parse(lrp_node *n, lrp_error *err)
{
    concat_params p;
    if (!lrp_node_attr(n, "axis"))
        return lrp_error_set(err, LRP_ERR_PARSE, LRP_NODE_FMT "attribute 'axis' is required",
                             LRP_NODE_ARGS(n));
    lrp_status st = lrp_attr_int(n, "axis", 0, &p.axis, err);
    return st ? st : lrp_op_set_params(n, &p, sizeof p, err);
}

static lrp_status mismatch(const lrp_node *n, lrp_status status, const lrp_tensor *a,
                           const lrp_tensor *b, int i, const char *what, lrp_error *err)
{
    char as[96], bs[96];
    return lrp_error_set(err, status,
                         LRP_NODE_FMT "input %d %s %s and input 0 %s %s differ in %s",
                         LRP_NODE_ARGS(n), i, lrp_tensor_shape_str(b, bs, sizeof bs),
                         lrp_dtype_name(b->dtype), lrp_tensor_shape_str(a, as, sizeof as),
                         lrp_dtype_name(a->dtype), what);
}

/* Adds input b (index i) to the output shape y: the axis dims add up,
 * the others must agree (an unknown dim takes the known one). */
static lrp_status add_input(const lrp_node *n, const lrp_tensor *a, const lrp_tensor *b, int i,
                            int axis, lrp_tensor *y, lrp_error *err)
{
    if (b->dtype != a->dtype || (b->dtype != LRP_FLOAT && b->dtype != LRP_INT64))
        return mismatch(n, LRP_ERR_UNSUPPORTED, a, b, i, "dtype (float32 or int64 only)", err);
    if (b->rank != a->rank)
        return mismatch(n, LRP_ERR_SHAPE, a, b, i, "rank", err);
    for (int d = 0; d < y->rank; d++) {
        if (d == axis)
            y->dims[d] = y->dims[d] < 0 || b->dims[d] < 0 ? -1 : y->dims[d] + b->dims[d];
        else if (y->dims[d] < 0)
            y->dims[d] = b->dims[d];
        else if (b->dims[d] >= 0 && b->dims[d] != y->dims[d])
            return mismatch(n, LRP_ERR_SHAPE, a, b, i, "a dim other than the axis", err);
    }
    return LRP_OK;
}

/* Y viewed as (outer, sum of axis dims * inner): each input fills its
 * slice of every outer row. Any dtype (bytes). */
static void concat_run(const lrp_node *n, const lrp_tensor *const *in, lrp_tensor *y, int axis)
{
    size_t esize = lrp_dtype_size(y->dtype), outer = 1, inner = esize, at = 0;
    for (int d = 0; d < axis; d++)
        outer *= (size_t)y->dims[d];
    for (int d = axis + 1; d < y->rank; d++)
        inner *= (size_t)y->dims[d];
    size_t row = (size_t)y->dims[axis] * inner;
    for (int i = 0; i < n->n_inputs; i++) {
        size_t block = (size_t)in[i]->dims[axis] * inner;
        for (size_t o = 0; o < outer && block > 0; o++)
            memcpy((char *)y->data + o * row + at, (const char *)in[i]->data + o * block,
                   block);
        at += block;
    }
}

/* The adjoint of concat_run: input k's slice of every row of r_out. */
static void concat_route(const lrp_node *n, const lrp_tensor *const *in, const lrp_tensor *y,
                         const float *r_out, float *const *r_in)
{
    const concat_params *p = n->params;
    int axis = (int)(p->axis < 0 ? p->axis + y->rank : p->axis);
    size_t outer = 1, inner = 1, at = 0;
    for (int d = 0; d < axis; d++)
        outer *= (size_t)y->dims[d];
    for (int d = axis + 1; d < y->rank; d++)
        inner *= (size_t)y->dims[d];
    size_t row = (size_t)y->dims[axis] * inner;
    for (int i = 0; i < n->n_inputs; i++) {
        size_t block = (size_t)in[i]->dims[axis] * inner;
        for (size_t o = 0; r_in[i] && o < outer; o++)
            for (size_t k = 0; k < block; k++)
                r_in[i][o * block + k] += r_out[o * row + at + k];
        at += block;
    }
}

static bool all_known(const lrp_node *n, lrp_tensor *const *in)
{
    for (int i = 0; i < n->n_inputs; i++)
        if (!in[i]->data)
            return false;
    return true;
}

static lrp_status concat_infer(const lrp_node *n, lrp_tensor *const *in, lrp_tensor *const *out,
                               lrp_error *err)
{
    const concat_params *p = n->params;
    lrp_tensor *y = out[0];
    int axis = 0;
    lrp_status st = lrp_shape_axis(n, p->axis, in[0]->rank, in[0], &axis, err);
    if (st)
        return st;
    *y = *in[0];
    y->data = NULL;
    y->dims[axis] = 0;
    for (int i = 0; i < n->n_inputs && st == LRP_OK; i++)
        st = add_input(n, in[0], in[i], i, axis, y, err);
    char ys[96];
    if (!st && y->dtype == LRP_FLOAT && axis == 0 && !all_known(n, in))
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                             LRP_NODE_FMT "joins activations along "
                                          "the batch axis 0 (output %s)",
                             LRP_NODE_ARGS(n), lrp_tensor_shape_str(y, ys, sizeof ys));
    if (st || y->dtype != LRP_INT64 || !all_known(n, in))
        return st;
    if ((st = lrp_shape_alloc_int64(n, y, err)) == LRP_OK)
        concat_run(n, (const lrp_tensor *const *)in, y, axis);
    return st;
}

static void concat_forward(const lrp_node *n, const lrp_tensor *const *in,
                           lrp_tensor *const *out, lrp_forward_ctx *scratch)
{
    (void)scratch;
    const concat_params *p = n->params;
    concat_run(n, in, out[0], (int)(p->axis < 0 ? p->axis + out[0]->rank : p->axis));
}

const lrp_op lrp_op_concat = {
    .name = "Concat",
    .min_inputs = 1,
    .max_inputs = 1024, /* variadic in ONNX; any sane graph has fewer */
    .n_outputs = 1,
    .relevance = LRP_REL_ROUTE,
    .parse = concat_parse,
    .infer = concat_infer,
    .forward = concat_forward,
    .route = concat_route,
};
