/* Transpose: output dim d is input dim perm[d] (default: reversed). NHWC
 * fronts (Keras/tf2onnx) start with one. Relevance: the inverse permutation. */
#include "ops/registry.h"
#include "ops/shape_util.h"

typedef struct transpose_params {
    int64_t perm[LRP_MAX_RANK];
    int count; /* 0: reverse the dims */
} transpose_params;

static lrp_status transpose_parse(lrp_node *n, lrp_error *err)
{
    transpose_params p = {0};
    lrp_status st = lrp_attr_ints(n, "perm", p.perm, LRP_MAX_RANK, &p.count, err);
    return st ? st : lrp_op_set_params(n, &p, sizeof p, err);
}

static void transpose_map(const lrp_node *n, const lrp_tensor *const *in, const lrp_tensor *out,
                          lrp_index_map *m)
{
    (void)out;
    const transpose_params *p = n->params;
    int rank = in[0]->rank;
    lrp_index_map_identity(m, rank);
    for (int d = 0; d < rank; d++)
        m->axis[d] = p->count ? (int)p->perm[d] : rank - 1 - d;
}

static lrp_status transpose_infer(const lrp_node *n, lrp_tensor *const *in,
                                  lrp_tensor *const *out, lrp_error *err)
{
    const transpose_params *p = n->params;
    const lrp_tensor *x = in[0];
    bool seen[LRP_MAX_RANK] = {false};
    char xs[96];
    if (p->count && p->count != x->rank)
        return lrp_error_set(err, LRP_ERR_SHAPE,
                             LRP_NODE_FMT "perm has %d entries for input "
                                          "%s",
                             LRP_NODE_ARGS(n), p->count,
                             lrp_tensor_shape_str(x, xs, sizeof xs));
    for (int d = 0; d < p->count; d++) {
        int64_t a = p->perm[d];
        if (a < 0 || a >= x->rank || seen[a])
            return lrp_error_set(err, LRP_ERR_SHAPE,
                                 LRP_NODE_FMT "perm is no permutation "
                                              "of the %d axes of input %s",
                                 LRP_NODE_ARGS(n), x->rank,
                                 lrp_tensor_shape_str(x, xs, sizeof xs));
        seen[a] = true;
    }
    lrp_index_map m;
    transpose_map(n, (const lrp_tensor *const *)in, out[0], &m);
    *out[0] = *x;
    out[0]->data = NULL;
    for (int d = 0; d < x->rank; d++)
        out[0]->dims[d] = x->dims[m.axis[d]];
    lrp_status st = lrp_index_map_check_batch(n, &m, x, out[0], err);
    return st ? st : lrp_index_map_fold(n, &m, x, out[0], NULL, err);
}

static void transpose_forward(const lrp_node *n, const lrp_tensor *const *in,
                              lrp_tensor *const *out, lrp_forward_ctx *scratch)
{
    (void)scratch;
    lrp_index_map m;
    transpose_map(n, in, out[0], &m);
    lrp_index_map_forward(&m, in[0], out[0], NULL);
}

static void transpose_route(const lrp_node *n, const lrp_tensor *const *in,
                            const lrp_tensor *out, const float *r_out, float *const *r_in)
{
    lrp_index_map_route(transpose_map, n, in, out, r_out, r_in);
}

const lrp_op lrp_op_transpose = {
    .name = "Transpose",
    .min_inputs = 1,
    .max_inputs = 1,
    .n_outputs = 1,
    .relevance = LRP_REL_ROUTE,
    .keeps_sign = true,
    .parse = transpose_parse,
    .infer = transpose_infer,
    .forward = transpose_forward,
    .route = transpose_route,
};
