/* Expand: X broadcast to the shape in input 1 (int64, known at infer
 * time), numpy-style: leading dims added, dims of size 1 repeated. An SE
 * block's gate.expand_as(x). An element map with step 0 along the repeated
 * dims, so its relevance (and gradient) sums over the copies. */
#include "ops/registry.h"
#include "ops/shape_util.h"

static lrp_status expand_shape(const lrp_node *n, const lrp_tensor *x, const lrp_tensor *shape,
                               lrp_tensor *y, lrp_error *err)
{
    int64_t want[LRP_MAX_RANK];
    int count;
    char xs[96];
    lrp_status st = lrp_shape_read(n, shape, "shape", want, LRP_MAX_RANK, &count, err);
    if (st)
        return st;
    int rank = count > x->rank ? count : x->rank;
    *y = *x;
    y->data = NULL;
    y->rank = rank;
    for (int d = 0; d < rank; d++) {
        int dx = d - (rank - x->rank), dw = d - (rank - count);
        int64_t a = dx >= 0 ? x->dims[dx] : 1, b = dw >= 0 ? want[dw] : 1;
        if (b < 0)
            return lrp_error_set(err, LRP_ERR_SHAPE,
                                 LRP_NODE_FMT "negative dim %lld in the "
                                              "shape",
                                 LRP_NODE_ARGS(n), (long long)b);
        if (a != b && a != 1 && b != 1)
            return lrp_error_set(err, LRP_ERR_SHAPE,
                                 LRP_NODE_FMT "input %s does not broadcast "
                                              "to the shape's dim %d = %lld",
                                 LRP_NODE_ARGS(n), lrp_tensor_shape_str(x, xs, sizeof xs), d,
                                 (long long)b);
        y->dims[d] = a == 1 ? b : a;
    }
    return LRP_OK;
}

/* Output dim d reads X's dim d - (rank difference), none for new dims. */
static void expand_map(const lrp_node *n, const lrp_tensor *const *in, const lrp_tensor *out,
                       lrp_index_map *m)
{
    (void)n;
    const lrp_tensor *x = in[0];
    int shift = out->rank - x->rank;
    lrp_index_map_identity(m, out->rank);
    for (int d = 0; d < out->rank; d++) {
        int dx = d - shift;
        m->axis[d] = dx >= 0 ? dx : 0;
        if (dx < 0 || (x->dims[dx] == 1 && out->dims[d] != 1))
            m->step[d] = 0;
    }
}

static lrp_status expand_infer(const lrp_node *n, lrp_tensor *const *in, lrp_tensor *const *out,
                               lrp_error *err)
{
    const lrp_tensor *x = in[0];
    lrp_status st = expand_shape(n, x, in[1], out[0], err);
    if (st)
        return st;
    lrp_index_map m;
    expand_map(n, (const lrp_tensor *const *)in, out[0], &m);
    if ((st = lrp_index_map_check_batch(n, &m, x, out[0], err)))
        return st;
    return lrp_index_map_fold(n, &m, x, out[0], NULL, err);
}

static void expand_forward(const lrp_node *n, const lrp_tensor *const *in,
                           lrp_tensor *const *out, lrp_forward_ctx *scratch)
{
    (void)scratch;
    lrp_index_map m;
    expand_map(n, in, out[0], &m);
    lrp_index_map_forward(&m, in[0], out[0], NULL);
}

static void expand_route(const lrp_node *n, const lrp_tensor *const *in, const lrp_tensor *out,
                         const float *r_out, float *const *r_in)
{
    lrp_index_map_route(expand_map, n, in, out, r_out, r_in);
}

const lrp_op lrp_op_expand = {
    .name = "Expand",
    .min_inputs = 2,
    .max_inputs = 2,
    .n_outputs = 1,
    .relevance = LRP_REL_ROUTE,
    .keeps_sign = true,
    .carries_gate = true,
    .infer = expand_infer,
    .forward = expand_forward,
    .route = expand_route,
};
