/* Helpers shared by the shape ops: int64 reads, axes, int64 outputs and the
 * copy kernel of the ops that only relabel a shape. */
#include "ops/shape_util.h"

#include <stdlib.h>
#include <string.h>

lrp_status lrp_op_set_params(lrp_node *n, const void *p, size_t size, lrp_error *err)
{
    void *copy = malloc(size);
    if (!copy)
        return lrp_error_set(err, LRP_ERR_NOMEM, LRP_NODE_FMT "out of memory",
                             LRP_NODE_ARGS(n));
    memcpy(copy, p, size);
    free(n->params);
    n->params = copy;
    return LRP_OK;
}

lrp_tensor *lrp_op_input(const lrp_node *n, lrp_tensor *const *in, int i)
{
    return i < n->n_inputs ? in[i] : NULL;
}

lrp_status lrp_shape_expect(const lrp_node *n, const lrp_tensor *t, const char *what,
                            lrp_dtype want, lrp_error *err)
{
    char ts[96];
    if (t->dtype == want)
        return LRP_OK;
    return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                         LRP_NODE_FMT "%s %s is %s, only %s is supported", LRP_NODE_ARGS(n),
                         what, lrp_tensor_shape_str(t, ts, sizeof ts), lrp_dtype_name(t->dtype),
                         lrp_dtype_name(want));
}

lrp_status lrp_shape_float_elementwise(const lrp_node *n, lrp_tensor *const *in,
                                       lrp_tensor *const *out, lrp_error *err)
{
    lrp_status st = lrp_shape_expect(n, in[0], "X", LRP_FLOAT, err);
    if (st)
        return st;
    *out[0] = *in[0];
    out[0]->data = NULL;
    return LRP_OK;
}

lrp_status lrp_shape_read(const lrp_node *n, const lrp_tensor *t, const char *what,
                          int64_t *out, int max, int *count, lrp_error *err)
{
    char ts[96];
    lrp_status st = lrp_shape_expect(n, t, what, LRP_INT64, err);
    if (st)
        return st;
    if (t->rank > 1)
        return lrp_error_set(err, LRP_ERR_SHAPE,
                             LRP_NODE_FMT "%s must be a scalar or "
                                          "a vector, got %s",
                             LRP_NODE_ARGS(n), what, lrp_tensor_shape_str(t, ts, sizeof ts));
    if (!t->data)
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                             LRP_NODE_FMT
                             "%s must be a "
                             "constant or computable from shapes; it depends on data",
                             LRP_NODE_ARGS(n), what);
    size_t len = lrp_tensor_count(t);
    if (len > (size_t)max)
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                             LRP_NODE_FMT "%s has %zu values, "
                                          "at most %d supported",
                             LRP_NODE_ARGS(n), what, len, max);
    memcpy(out, t->data, len * sizeof *out);
    *count = (int)len;
    return LRP_OK;
}

lrp_status lrp_shape_axis(const lrp_node *n, int64_t axis, int rank, const lrp_tensor *shown,
                          int *out, lrp_error *err)
{
    char ts[96] = "";
    if (axis >= -rank && axis < rank) {
        *out = (int)(axis < 0 ? axis + rank : axis);
        return LRP_OK;
    }
    if (shown)
        lrp_tensor_shape_str(shown, ts, sizeof ts);
    return lrp_error_set(err, LRP_ERR_SHAPE,
                         LRP_NODE_FMT "axis %lld is out of range "
                                      "[%d, %d]%s%s",
                         LRP_NODE_ARGS(n), (long long)axis, -rank, rank - 1,
                         shown ? " for input " : "", ts);
}

lrp_status lrp_shape_product(const lrp_node *n, const int64_t *dims, int count, int64_t *out,
                             lrp_error *err)
{
    int64_t p = 1;
    bool unknown = false;
    for (int i = 0; i < count; i++) {
        if (dims[i] < 0) {
            unknown = true;
            continue;
        }
        if (dims[i] != 0 && p > INT64_MAX / dims[i])
            return lrp_error_set(err, LRP_ERR_LIMIT,
                                 LRP_NODE_FMT "the element count "
                                              "overflows int64",
                                 LRP_NODE_ARGS(n));
        p *= dims[i];
    }
    *out = unknown ? -1 : p;
    return LRP_OK;
}

lrp_status lrp_shape_parse_axes(lrp_node *n, lrp_error *err)
{
    lrp_axes_params p;
    lrp_status st = lrp_attr_ints(n, "axes", p.axes, LRP_MAX_RANK, &p.count, err);
    return st ? st : lrp_op_set_params(n, &p, sizeof p, err);
}

lrp_status lrp_shape_axes(const lrp_node *n, lrp_tensor *const *in, int64_t *axes, int *count,
                          lrp_error *err)
{
    const lrp_axes_params *p = n->params;
    const lrp_tensor *t = lrp_op_input(n, in, 1);
    if (t)
        return lrp_shape_read(n, t, "axes (input 1)", axes, LRP_MAX_RANK, count, err);
    memcpy(axes, p->axes, sizeof *axes * (size_t)p->count);
    *count = p->count;
    return LRP_OK;
}

lrp_status lrp_shape_axis_flags(const lrp_node *n, const int64_t *axes, int count, int rank,
                                const lrp_tensor *shown, bool *flags, lrp_error *err)
{
    for (int d = 0; d < rank; d++)
        flags[d] = false;
    for (int k = 0; k < count; k++) {
        int axis = 0;
        lrp_status st = lrp_shape_axis(n, axes[k], rank, shown, &axis, err);
        if (st)
            return st;
        if (flags[axis])
            return lrp_error_set(err, LRP_ERR_SHAPE,
                                 LRP_NODE_FMT "axis %lld is given "
                                              "twice",
                                 LRP_NODE_ARGS(n), (long long)axes[k]);
        flags[axis] = true;
    }
    return LRP_OK;
}

lrp_status lrp_shape_alloc_int64(const lrp_node *n, lrp_tensor *out, lrp_error *err)
{
    size_t bytes;
    out->dtype = LRP_INT64;
    if (!lrp_mul_size(lrp_tensor_count(out), sizeof(int64_t), &bytes) ||
        !(out->data = malloc(bytes ? bytes : 1)))
        return lrp_error_set(err, LRP_ERR_NOMEM,
                             LRP_NODE_FMT "out of memory for "
                                          "an int64 output",
                             LRP_NODE_ARGS(n));
    return LRP_OK;
}

lrp_status lrp_shape_fold_copy(const lrp_node *n, const lrp_tensor *in, lrp_tensor *out,
                               lrp_error *err)
{
    if (in->dtype != LRP_INT64 || !in->data)
        return LRP_OK;
    lrp_status st = lrp_shape_alloc_int64(n, out, err);
    if (st == LRP_OK && lrp_tensor_count(in) > 0)
        memcpy(out->data, in->data, lrp_tensor_count(in) * sizeof(int64_t));
    return st;
}

void lrp_shape_forward_copy(const lrp_node *n, const lrp_tensor *const *in,
                            lrp_tensor *const *out, lrp_forward_ctx *scratch)
{
    (void)n;
    (void)scratch;
    size_t bytes = lrp_tensor_count(in[0]) * lrp_dtype_size(in[0]->dtype);
    if (out[0]->data != in[0]->data && bytes > 0)
        memcpy(out[0]->data, in[0]->data, bytes);
}
