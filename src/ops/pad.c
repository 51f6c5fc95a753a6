/* Pad, constant mode: X grown (or cropped, for negative pads) by pads =
 * [x1_begin, x2_begin, ..., x1_end, x2_end, ...] along all axes or those
 * of input 3; new cells hold constant_value (input 2, default 0). Before
 * opset 11, pads and value are attributes. Relevance: the unpadded crop. */
#include <string.h>

#include "ops/registry.h"
#include "ops/shape_util.h"

/* in[i], or NULL when slot i is omitted or beyond n_inputs. */
static const lrp_tensor *input(const lrp_node *n, const lrp_tensor *const *in, int i)
{
    return i < n->n_inputs ? in[i] : NULL;
}

/* Any pad beyond this makes a tensor no shape check would pass anyway. */
#define PAD_LIMIT ((int64_t)1 << 40)

typedef struct pad_params {
    int64_t pads[2 * LRP_MAX_RANK]; /* the attribute (opset < 11) */
    int n_pads;
    float value;
} pad_params;

static lrp_status pad_parse(lrp_node *n, lrp_error *err)
{
    pad_params p = {0};
    const char *mode;
    lrp_status st;
    if ((st = lrp_attr_string(n, "mode", "constant", &mode, err)) ||
        (st = lrp_attr_ints(n, "pads", p.pads, 2 * LRP_MAX_RANK, &p.n_pads, err)) ||
        (st = lrp_attr_float(n, "value", 0.0f, &p.value, err)))
        return st;
    if (strcmp(mode, "constant") != 0)
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                             LRP_NODE_FMT "mode '%s' is not "
                                          "supported (only 'constant')",
                             LRP_NODE_ARGS(n), mode);
    return lrp_op_set_params(n, &p, sizeof p, err);
}

/* begin[d], end[d] for every axis d of x (0 on axes not listed). */
static lrp_status pad_amounts(const lrp_node *n, const lrp_tensor *const *in, int64_t *begin,
                              int64_t *end, lrp_error *err)
{
    const pad_params *p = n->params;
    const lrp_tensor *x = in[0], *pads = input(n, in, 1), *axes_t = input(n, in, 3);
    int64_t v[2 * LRP_MAX_RANK], axes[LRP_MAX_RANK];
    int count = p->n_pads, n_axes = x->rank;
    lrp_status st;
    memcpy(v, p->pads, sizeof v);
    if (pads && (st = lrp_shape_read(n, pads, "pads", v, 2 * LRP_MAX_RANK, &count, err)))
        return st;
    if (axes_t && (st = lrp_shape_read(n, axes_t, "axes", axes, LRP_MAX_RANK, &n_axes, err)))
        return st;
    for (int k = 0; !axes_t && k < n_axes; k++)
        axes[k] = k;
    char xs[96];
    if (count != 2 * n_axes)
        return lrp_error_set(err, LRP_ERR_SHAPE,
                             LRP_NODE_FMT "%d pads for %d axes of input %s "
                                          "(want 2 per axis)",
                             LRP_NODE_ARGS(n), count, n_axes,
                             lrp_tensor_shape_str(x, xs, sizeof xs));
    memset(begin, 0, sizeof(int64_t) * LRP_MAX_RANK);
    memset(end, 0, sizeof(int64_t) * LRP_MAX_RANK);
    for (int k = 0; k < n_axes; k++) {
        int a;
        if ((st = lrp_shape_axis(n, axes[k], x->rank, x, &a, err)))
            return st;
        if (v[k] < -PAD_LIMIT || v[k] > PAD_LIMIT || v[n_axes + k] < -PAD_LIMIT ||
            v[n_axes + k] > PAD_LIMIT)
            return lrp_error_set(err, LRP_ERR_LIMIT,
                                 LRP_NODE_FMT "pads %lld, %lld of axis %d "
                                              "exceed 2^40",
                                 LRP_NODE_ARGS(n), (long long)v[k], (long long)v[n_axes + k],
                                 a);
        begin[a] = v[k];
        end[a] = v[n_axes + k];
    }
    return LRP_OK;
}

/* The fill as one element of X's dtype into buf. */
static lrp_status pad_fill(const lrp_node *n, const lrp_tensor *const *in, void *buf,
                           lrp_error *err)
{
    const pad_params *p = n->params;
    const lrp_tensor *c = input(n, in, 2);
    double value = p->value;
    if (c) {
        if (!c->data || lrp_tensor_count(c) != 1 || c->dtype != in[0]->dtype)
            return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                                 LRP_NODE_FMT "constant_value must "
                                              "be one known element of the data's type",
                                 LRP_NODE_ARGS(n));
        value = c->dtype == LRP_FLOAT ? *(const float *)c->data
                                      : (double)*(const int64_t *)c->data;
    }
    if (in[0]->dtype == LRP_FLOAT)
        *(float *)buf = (float)value;
    else
        *(int64_t *)buf = (int64_t)value;
    return LRP_OK;
}

static void pad_map(const lrp_node *n, const lrp_tensor *const *in, const lrp_tensor *out,
                    lrp_index_map *m)
{
    (void)out;
    int64_t begin[LRP_MAX_RANK], end[LRP_MAX_RANK];
    pad_amounts(n, in, begin, end, NULL); /* checked by infer */
    lrp_index_map_identity(m, in[0]->rank);
    for (int d = 0; d < in[0]->rank; d++)
        m->start[d] = -begin[d];
}

static lrp_status pad_infer(const lrp_node *n, lrp_tensor *const *in, lrp_tensor *const *out,
                            lrp_error *err)
{
    const lrp_tensor *const *inputs = (const lrp_tensor *const *)in, *x = in[0];
    int64_t begin[LRP_MAX_RANK], end[LRP_MAX_RANK], fill[1];
    lrp_status st;
    if ((st = pad_amounts(n, inputs, begin, end, err)) || (st = pad_fill(n, inputs, fill, err)))
        return st;
    *out[0] = *x;
    out[0]->data = NULL;
    char xs[96];
    for (int d = 0; d < x->rank; d++) {
        if (x->dims[d] < 0)
            continue;
        out[0]->dims[d] = x->dims[d] + begin[d] + end[d];
        if (out[0]->dims[d] < 0)
            return lrp_error_set(err, LRP_ERR_SHAPE,
                                 LRP_NODE_FMT "pads %lld, %lld crop axis "
                                              "%d of input %s below size 0",
                                 LRP_NODE_ARGS(n), (long long)begin[d], (long long)end[d], d,
                                 lrp_tensor_shape_str(x, xs, sizeof xs));
    }
    lrp_index_map m;
    pad_map(n, inputs, out[0], &m);
    if ((st = lrp_index_map_check_batch(n, &m, x, out[0], err)))
        return st;
    return lrp_index_map_fold(n, &m, x, out[0], fill, err);
}

static void pad_forward(const lrp_node *n, const lrp_tensor *const *in, lrp_tensor *const *out,
                        lrp_forward_ctx *scratch)
{
    (void)scratch;
    int64_t fill[1];
    lrp_index_map m;
    pad_fill(n, in, fill, NULL);
    pad_map(n, in, out[0], &m);
    lrp_index_map_forward(&m, in[0], out[0], fill);
}

static void pad_route(const lrp_node *n, const lrp_tensor *const *in, const lrp_tensor *out,
                      const float *r_out, float *const *r_in)
{
    lrp_index_map_route(pad_map, n, in, out, r_out, r_in);
}

const lrp_op lrp_op_pad = {
    .name = "Pad",
    .min_inputs = 1,
    .max_inputs = 4,
    .n_outputs = 1,
    .relevance = LRP_REL_ROUTE,
    .shortcut_step = true,
    .parse = pad_parse,
    .infer = pad_infer,
    .forward = pad_forward,
    .route = pad_route,
};
