/* Reshape: X to the shape held in input 1 (int64, known at infer time),
 * where 0 copies the input dim (unless allowzero) and one -1 is inferred.
 * The data is copied unchanged. */
#include <stdio.h>

#include "ops/registry.h"
#include "ops/shape_util.h"

typedef struct reshape_params {
    int64_t allowzero;
} reshape_params;

/* The requested shape after reading 0s and the -1. */
typedef struct target {
    int rank;
    int64_t dims[LRP_MAX_RANK]; /* the -1 slot is filled last */
    bool copied[LRP_MAX_RANK];  /* dim i is X's dim i (a 0 in the request) */
    int minus;                  /* index of the -1, or -1 */
} target;

static lrp_status reshape_parse(lrp_node *n, lrp_error *err)
{
    reshape_params p;
    lrp_status st = lrp_attr_int(n, "allowzero", 0, &p.allowzero, err);
    return st ? st : lrp_op_set_params(n, &p, sizeof p, err);
}

/* "[2, -1]": the requested shape as written, for messages. */
static const char *values_str(const int64_t *v, int len, char *buf, size_t size)
{
    size_t at = (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < len && at < size; i++)
        at += (size_t)snprintf(buf + at, size - at, "%s%lld", i ? ", " : "", (long long)v[i]);
    if (at < size)
        snprintf(buf + at, size - at, "]");
    return buf;
}

static lrp_status bad_shape(const lrp_node *n, const lrp_tensor *x, const int64_t *v, int len,
                            const char *why, lrp_error *err)
{
    char xs[96], vs[160];
    return lrp_error_set(err, LRP_ERR_SHAPE, LRP_NODE_FMT "cannot reshape X %s to shape %s: %s",
                         LRP_NODE_ARGS(n), lrp_tensor_shape_str(x, xs, sizeof xs),
                         values_str(v, len, vs, sizeof vs), why);
}

/* Reads the request v[len] into t: explicit dims, copies and the -1. */
static lrp_status read_target(const lrp_node *n, const lrp_tensor *x, const int64_t *v, int len,
                              lrp_error *err, target *t)
{
    const reshape_params *p = n->params;
    t->rank = len;
    t->minus = -1;
    for (int i = 0; i < len; i++) {
        t->copied[i] = v[i] == 0 && !p->allowzero;
        t->dims[i] = v[i];
        if (t->copied[i] && i >= x->rank)
            return bad_shape(n, x, v, len, "a 0 refers to a dim X does not have", err);
        if (t->copied[i])
            t->dims[i] = x->dims[i];
        else if (v[i] < -1 || (v[i] == -1 && t->minus >= 0))
            return bad_shape(n, x, v, len,
                             "only one -1 and no other negative values "
                             "are allowed",
                             err);
        else if (v[i] == -1)
            t->minus = i;
    }
    return LRP_OK;
}

/* Copied dims sit at the same index in X and Y, so they cancel: the -1 is
 * (X's dims not copied) / (Y's explicit dims), known even when a copied
 * dim such as the batch is still unknown. */
static lrp_status resolve(const lrp_node *n, const lrp_tensor *x, const int64_t *v,
                          lrp_error *err, target *t)
{
    int64_t rest_x[LRP_MAX_RANK], rest_y[LRP_MAX_RANK], in_count, out_count;
    int nx = 0, ny = 0;
    for (int i = 0; i < x->rank; i++)
        if (i >= t->rank || !t->copied[i])
            rest_x[nx++] = x->dims[i];
    for (int i = 0; i < t->rank; i++)
        if (!t->copied[i] && i != t->minus)
            rest_y[ny++] = t->dims[i];
    lrp_status st;
    if ((st = lrp_shape_product(n, rest_x, nx, &in_count, err)) ||
        (st = lrp_shape_product(n, rest_y, ny, &out_count, err)))
        return st;
    if (t->minus < 0) {
        if (in_count >= 0 && in_count != out_count)
            return bad_shape(n, x, v, t->rank, "the element counts differ", err);
        return LRP_OK;
    }
    if (in_count >= 0 && (out_count == 0 || in_count % out_count != 0))
        return bad_shape(n, x, v, t->rank, "the element counts do not divide", err);
    t->dims[t->minus] = in_count < 0 ? -1 : in_count / out_count;
    return LRP_OK;
}

/* Shape input checks; *len gets the output rank. */
static lrp_status check_shape_input(const lrp_node *n, const lrp_tensor *s, int *len,
                                    lrp_error *err)
{
    char ss[96];
    lrp_status st = lrp_shape_expect(n, s, "shape (input 1)", LRP_INT64, err);
    if (st)
        return st;
    if (s->rank != 1 || s->dims[0] < 0 || s->dims[0] > LRP_MAX_RANK)
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                             LRP_NODE_FMT "shape (input 1) must "
                                          "be a vector of known length <= %d, got %s",
                             LRP_NODE_ARGS(n), LRP_MAX_RANK,
                             lrp_tensor_shape_str(s, ss, sizeof ss));
    *len = (int)s->dims[0];
    return LRP_OK;
}

static void set_output(lrp_tensor *out, lrp_dtype dtype, const int64_t *dims, int rank)
{
    out->dtype = dtype;
    out->rank = rank;
    for (int i = 0; i < rank; i++)
        out->dims[i] = dims ? dims[i] : -1;
}

/* Before the input is bound, X's dims and the shape input (computed from
 * them) may both be unknown: Y then gets the right rank and unknown dims,
 * and the next inference, with dims bound, folds the shape. */
static lrp_status reshape_infer(const lrp_node *n, lrp_tensor *const *in,
                                lrp_tensor *const *out, lrp_error *err)
{
    const lrp_tensor *x = in[0], *s = in[1];
    int64_t v[LRP_MAX_RANK];
    int len;
    target t;
    lrp_status st = check_shape_input(n, s, &len, err);
    if (st)
        return st;
    if (!s->data && !lrp_tensor_known(x)) {
        set_output(out[0], x->dtype, NULL, len);
        return LRP_OK;
    }
    if ((st = lrp_shape_read(n, s, "shape (input 1)", v, LRP_MAX_RANK, &len, err)) ||
        (st = read_target(n, x, v, len, err, &t)) || (st = resolve(n, x, v, err, &t)))
        return st;
    set_output(out[0], x->dtype, t.dims, t.rank);
    return lrp_shape_fold_copy(n, x, out[0], err);
}

const lrp_op lrp_op_reshape = {
    .name = "Reshape",
    .min_inputs = 2,
    .max_inputs = 2,
    .n_outputs = 1,
    .relevance = LRP_REL_RESHAPE,
    .keeps_sign = true,
    .carries_gate = true,
    .parse = reshape_parse,
    .infer = reshape_infer,
    .forward = lrp_shape_forward_copy,
};
