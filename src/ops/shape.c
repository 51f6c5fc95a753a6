/* Shape: the dims of X as an int64 vector, optionally sliced by the opset
 * 15 attributes start and end. Computed at infer time when those dims are
 * known; otherwise forward() writes them once the input is bound. */
#include "ops/registry.h"
#include "ops/shape_util.h"

typedef struct shape_params {
    int64_t start, end;
    bool has_end; /* end defaults to the rank */
} shape_params;

static lrp_status shape_parse(lrp_node *n, lrp_error *err)
{
    shape_params p;
    lrp_status st;
    p.has_end = lrp_node_attr(n, "end") != NULL;
    if ((st = lrp_attr_int(n, "start", 0, &p.start, err)) ||
        (st = lrp_attr_int(n, "end", 0, &p.end, err)))
        return st;
    return lrp_op_set_params(n, &p, sizeof p, err);
}

/* An attribute counted from the end when negative, clamped to [0, rank]. */
static int clamp_index(int64_t v, int rank)
{
    if (v < 0)
        v += rank;
    return v < 0 ? 0 : v > rank ? rank : (int)v;
}

/* The slice [*start, *end) of X's dims that is returned. */
static void shape_range(const lrp_node *n, int rank, int *start, int *end)
{
    const shape_params *p = n->params;
    *start = clamp_index(p->start, rank);
    *end = p->has_end ? clamp_index(p->end, rank) : rank;
    if (*end < *start)
        *end = *start;
}

static void write_dims(const lrp_node *n, const lrp_tensor *x, lrp_tensor *y)
{
    int start, end;
    int64_t *v = y->data;
    shape_range(n, x->rank, &start, &end);
    for (int d = start; d < end; d++)
        v[d - start] = x->dims[d];
}

static lrp_status shape_infer(const lrp_node *n, lrp_tensor *const *in, lrp_tensor *const *out,
                              lrp_error *err)
{
    const lrp_tensor *x = in[0];
    int start, end;
    shape_range(n, x->rank, &start, &end);
    out[0]->dtype = LRP_INT64;
    out[0]->rank = 1;
    out[0]->dims[0] = end - start;
    for (int d = start; d < end; d++)
        if (x->dims[d] < 0)
            return LRP_OK; /* not known yet: forward() will write them */
    lrp_status st = lrp_shape_alloc_int64(n, out[0], err);
    if (st == LRP_OK)
        write_dims(n, x, out[0]);
    return st;
}

static void shape_forward(const lrp_node *n, const lrp_tensor *const *in,
                          lrp_tensor *const *out, lrp_forward_ctx *scratch)
{
    (void)scratch;
    write_dims(n, in[0], out[0]);
}

const lrp_op lrp_op_shape = {
    .name = "Shape",
    .min_inputs = 1,
    .max_inputs = 1,
    .n_outputs = 1,
    .parse = shape_parse,
    .infer = shape_infer,
    .forward = shape_forward,
};
