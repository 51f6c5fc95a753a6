/* Softmax, float32, numerically stable (the max is subtracted first).
 * Opset >= 13: along one axis (default -1). Opset < 13: X is flattened to
 * 2-D at axis (default 1) and each row of the trailing dims is normalized.
 * LogSoftmax (ops/logsoftmax.c) shares all of it but the last step. */
#include <math.h>

#include "ops/registry.h"
#include "ops/shape_util.h"
#include "ops/softmax.h"

typedef struct softmax_params {
    int64_t axis;
    bool legacy; /* opset < 13: "flatten to 2-D" semantics */
} softmax_params;

/* The opset is not a field of lrp_node: the importer adds an LRP_ATTR_INT
 * attribute "_opset" (the model's default-domain opset) to every node.
 * Without it the current semantics (opset 13) apply. */
lrp_status lrp_softmax_parse(lrp_node *n, lrp_error *err)
{
    softmax_params p;
    int64_t opset;
    lrp_status st = lrp_attr_int(n, "_opset", 13, &opset, err);
    p.legacy = opset < 13;
    if (st || (st = lrp_attr_int(n, "axis", p.legacy ? 1 : -1, &p.axis, err)))
        return st;
    return lrp_op_set_params(n, &p, sizeof p, err);
}

lrp_status lrp_softmax_infer(const lrp_node *n, lrp_tensor *const *in, lrp_tensor *const *out,
                             lrp_error *err)
{
    const softmax_params *p = n->params;
    int axis = 0;
    lrp_status st;
    if ((st = lrp_shape_expect(n, in[0], "input", LRP_FLOAT, err)) ||
        (st = lrp_shape_axis(n, p->axis, in[0]->rank, in[0], &axis, err)))
        return st;
    *out[0] = *in[0];
    out[0]->data = NULL;
    return LRP_OK;
}

/* (Log)softmax of len values spaced 'stride' apart; y may equal x.
 * take_log: y = x - max - log(sum exp(x - max)), never exp then log. */
static void softmax_span(const float *x, float *y, size_t len, size_t stride, bool take_log)
{
    float max = x[0], sum = 0.0f;
    for (size_t k = 1; k < len; k++)
        max = x[k * stride] > max ? x[k * stride] : max;
    for (size_t k = 0; k < len; k++)
        sum += expf(x[k * stride] - max);
    float log_sum = take_log ? logf(sum) : 0.0f;
    for (size_t k = 0; k < len; k++)
        y[k * stride] = take_log ? x[k * stride] - max - log_sum
                                 : expf(x[k * stride] - max) / sum;
}

static size_t dims_product(const lrp_tensor *t, int from, int to)
{
    size_t p = 1;
    for (int i = from; i < to; i++)
        p *= (size_t)t->dims[i];
    return p;
}

/* Opset < 13 flattens at the axis: axis 1 spans each image. Otherwise the
 * axis must be the only one of dims 1.. that is not 1. */
bool lrp_softmax_per_image(const lrp_node *n, const lrp_tensor *x)
{
    const softmax_params *p = n->params;
    int axis = (int)(p->axis < 0 ? p->axis + x->rank : p->axis);
    if (axis < 1 || axis >= x->rank)
        return false;
    for (int i = 1; i < x->rank; i++)
        if (x->dims[i] < 0 || (i != axis && x->dims[i] != 1 && !(p->legacy && axis == 1)))
            return false;
    return true;
}

/* X viewed as (outer, len, inner): (log)softmax along len for each outer, inner. */
void lrp_softmax_run(const lrp_node *n, const lrp_tensor *const *in, lrp_tensor *const *out,
                     bool take_log)
{
    const softmax_params *p = n->params;
    const lrp_tensor *x = in[0];
    int axis = (int)(p->axis < 0 ? p->axis + x->rank : p->axis);
    size_t outer = dims_product(x, 0, axis);
    size_t len = p->legacy ? dims_product(x, axis, x->rank) : (size_t)x->dims[axis];
    size_t inner = p->legacy ? 1 : dims_product(x, axis + 1, x->rank);
    const float *xd = x->data;
    float *yd = out[0]->data;
    for (size_t o = 0; o < outer && len > 0; o++)
        for (size_t i = 0; i < inner; i++)
            softmax_span(xd + o * len * inner + i, yd + o * len * inner + i, len, inner,
                         take_log);
}

static void softmax_forward(const lrp_node *n, const lrp_tensor *const *in,
                            lrp_tensor *const *out, lrp_forward_ctx *scratch)
{
    (void)scratch;
    lrp_softmax_run(n, in, out, false);
}

const lrp_op lrp_op_softmax = {
    .name = "Softmax",
    .min_inputs = 1,
    .max_inputs = 1,
    .n_outputs = 1,
    .parse = lrp_softmax_parse,
    .infer = lrp_softmax_infer,
    .forward = softmax_forward,
};
