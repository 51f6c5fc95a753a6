/* Slice: X[starts:ends:steps] along axes (all leading axes by default),
 * starts and ends clamped as the ONNX spec says; inputs from opset 10,
 * attributes (no steps) before. Relevance: back to the picked elements. */
#include <stdint.h>
#include <string.h>

#include "ops/registry.h"
#include "ops/shape_util.h"

typedef struct slice_params {
    int64_t starts[LRP_MAX_RANK], ends[LRP_MAX_RANK], axes[LRP_MAX_RANK]; /* opset < 10 */
    int n_starts, n_ends, n_axes;
} slice_params;

static lrp_status slice_parse(lrp_node *n, lrp_error *err)
{
    slice_params p = {0};
    lrp_status st;
    if ((st = lrp_attr_ints(n, "starts", p.starts, LRP_MAX_RANK, &p.n_starts, err)) ||
        (st = lrp_attr_ints(n, "ends", p.ends, LRP_MAX_RANK, &p.n_ends, err)) ||
        (st = lrp_attr_ints(n, "axes", p.axes, LRP_MAX_RANK, &p.n_axes, err)))
        return st;
    return lrp_op_set_params(n, &p, sizeof p, err);
}

/* Reads input i (int64, known) into v, or keeps the attribute's copy. */
static lrp_status read_list(const lrp_node *n, const lrp_tensor *const *in, int i,
                            const char *what, int64_t *v, int *count, lrp_error *err)
{
    if (i >= n->n_inputs || !in[i])
        return LRP_OK;
    return lrp_shape_read(n, in[i], what, v, LRP_MAX_RANK, count, err);
}

/* The slice of X as a map (start and step per axis) and the output dims. */
static lrp_status slice_plan(const lrp_node *n, const lrp_tensor *const *in, lrp_index_map *m,
                             int64_t *dims, lrp_error *err)
{
    const slice_params *p = n->params;
    const lrp_tensor *x = in[0];
    int64_t starts[LRP_MAX_RANK], ends[LRP_MAX_RANK], axes[LRP_MAX_RANK], steps[LRP_MAX_RANK];
    int n_starts = p->n_starts, n_ends = p->n_ends, n_axes = p->n_axes, n_steps = 0;
    memcpy(starts, p->starts, sizeof starts);
    memcpy(ends, p->ends, sizeof ends);
    memcpy(axes, p->axes, sizeof axes);
    lrp_status st;
    if ((st = read_list(n, in, 1, "starts", starts, &n_starts, err)) ||
        (st = read_list(n, in, 2, "ends", ends, &n_ends, err)) ||
        (st = read_list(n, in, 3, "axes", axes, &n_axes, err)) ||
        (st = read_list(n, in, 4, "steps", steps, &n_steps, err)))
        return st;
    bool has_axes = n_axes > 0 || (n->n_inputs > 3 && in[3]);
    char xs[96];
    if (n_ends != n_starts || (has_axes && n_axes != n_starts) ||
        (n_steps && n_steps != n_starts))
        return lrp_error_set(err, LRP_ERR_SHAPE,
                             LRP_NODE_FMT "starts, ends, axes and steps "
                                          "differ in length (%d, %d, %d, %d)",
                             LRP_NODE_ARGS(n), n_starts, n_ends, n_axes, n_steps);
    lrp_index_map_identity(m, x->rank);
    memcpy(dims, x->dims, sizeof(int64_t) * LRP_MAX_RANK);
    bool seen[LRP_MAX_RANK] = {false};
    for (int k = 0; k < n_starts; k++) {
        int a;
        if ((st = lrp_shape_axis(n, has_axes ? axes[k] : k, x->rank, x, &a, err)))
            return st;
        int64_t d = x->dims[a], s = starts[k], e = ends[k], step = n_steps ? steps[k] : 1;
        if (seen[a] || step == 0 || step == INT64_MIN)
            return lrp_error_set(err, LRP_ERR_SHAPE, LRP_NODE_FMT "axis %d %s",
                                 LRP_NODE_ARGS(n), a,
                                 seen[a] ? "is sliced twice"
                                         : "has step 0 "
                                           "or -2^63");
        seen[a] = true;
        if (d < 0 && s == 0 && step == 1 && e >= INT32_MAX)
            continue; /* the whole of an unknown dim (the batch) */
        if (d < 0)
            return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                                 LRP_NODE_FMT "slices axis %d of "
                                              "unknown size in input %s",
                                 LRP_NODE_ARGS(n), a, lrp_tensor_shape_str(x, xs, sizeof xs));
        s = s < 0 ? s + d : s;
        e = e < 0 ? e + d : e;
        int64_t lo = step > 0 ? 0 : -1, hi = step > 0 ? d : d - 1;
        s = s < 0 ? 0 : s > hi ? hi : s;
        e = e < lo ? lo : e > hi ? hi : e;
        int64_t span = step > 0 ? e - s : s - e, stride = step > 0 ? step : -step;
        m->start[a] = s;
        m->step[a] = step;
        dims[a] = span > 0 ? 1 + (span - 1) / stride : 0;
    }
    return LRP_OK;
}

static void slice_map(const lrp_node *n, const lrp_tensor *const *in, const lrp_tensor *out,
                      lrp_index_map *m)
{
    (void)out;
    int64_t dims[LRP_MAX_RANK];
    slice_plan(n, in, m, dims, NULL); /* checked by infer */
}

static lrp_status slice_infer(const lrp_node *n, lrp_tensor *const *in, lrp_tensor *const *out,
                              lrp_error *err)
{
    const lrp_tensor *const *inputs = (const lrp_tensor *const *)in, *x = in[0];
    lrp_index_map m;
    lrp_status st = slice_plan(n, inputs, &m, out[0]->dims, err);
    if (st)
        return st;
    out[0]->dtype = x->dtype;
    out[0]->rank = x->rank;
    out[0]->data = NULL;
    if ((st = lrp_index_map_check_batch(n, &m, x, out[0], err)))
        return st;
    return lrp_index_map_fold(n, &m, x, out[0], NULL, err);
}

static void slice_forward(const lrp_node *n, const lrp_tensor *const *in,
                          lrp_tensor *const *out, lrp_forward_ctx *scratch)
{
    (void)scratch;
    lrp_index_map m;
    slice_map(n, in, out[0], &m);
    lrp_index_map_forward(&m, in[0], out[0], NULL);
}

static void slice_route(const lrp_node *n, const lrp_tensor *const *in, const lrp_tensor *out,
                        const float *r_out, float *const *r_in)
{
    lrp_index_map_route(slice_map, n, in, out, r_out, r_in);
}

const lrp_op lrp_op_slice = {
    .name = "Slice",
    .min_inputs = 1,
    .max_inputs = 5,
    .n_outputs = 1,
    .relevance = LRP_REL_ROUTE,
    .keeps_sign = true,
    .shortcut_step = true,
    .parse = slice_parse,
    .infer = slice_infer,
    .forward = slice_forward,
    .route = slice_route,
};
