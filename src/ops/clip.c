/* Clip: Y = min(max(X, min), max), float32. Opset >= 11 takes min and max
 * as optional inputs 1 and 2, which must be constant; opset 6 as attributes. */
#include "ops/clip.h"

#include <math.h>

#include "ops/registry.h"
#include "ops/shape_util.h"

typedef struct clip_params {
    float min, max; /* opset 6 attributes; +-inf when absent */
} clip_params;

static lrp_status clip_parse(lrp_node *n, lrp_error *err)
{
    clip_params p;
    lrp_status st;
    if ((st = lrp_attr_float(n, "min", -INFINITY, &p.min, err)) ||
        (st = lrp_attr_float(n, "max", INFINITY, &p.max, err)))
        return st;
    return lrp_op_set_params(n, &p, sizeof p, err);
}

/* A bound input must be one known float32 value. */
static lrp_status check_bound(const lrp_node *n, const lrp_tensor *t, const char *what,
                              lrp_error *err)
{
    char ts[96];
    if (!t)
        return LRP_OK;
    lrp_status st = lrp_shape_expect(n, t, what, LRP_FLOAT, err);
    if (st)
        return st;
    if (t->rank > 1 || lrp_tensor_count(t) != 1)
        return lrp_error_set(err, LRP_ERR_SHAPE,
                             LRP_NODE_FMT "%s must be a scalar, "
                                          "got %s",
                             LRP_NODE_ARGS(n), what, lrp_tensor_shape_str(t, ts, sizeof ts));
    if (!t->data)
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                             LRP_NODE_FMT "%s must be a "
                                          "constant; a computed bound is not supported",
                             LRP_NODE_ARGS(n), what);
    return LRP_OK;
}

static lrp_status clip_infer(const lrp_node *n, lrp_tensor *const *in, lrp_tensor *const *out,
                             lrp_error *err)
{
    lrp_status st;
    if ((st = lrp_shape_expect(n, in[0], "X", LRP_FLOAT, err)) ||
        (st = check_bound(n, lrp_op_input(n, in, 1), "min (input 1)", err)) ||
        (st = check_bound(n, lrp_op_input(n, in, 2), "max (input 2)", err)))
        return st;
    *out[0] = *in[0];
    out[0]->data = NULL;
    return LRP_OK;
}

/* The bound from input i when present, else the attribute value. */
static float bound(const lrp_node *n, const lrp_tensor *const *in, int i, float dflt)
{
    if (i >= n->n_inputs || !in[i])
        return dflt;
    return *(const float *)in[i]->data;
}

void lrp_clip_bounds(const lrp_node *n, const lrp_tensor *const *in, float *lo, float *hi)
{
    const clip_params *p = n->params;
    *lo = bound(n, in, 1, p->min);
    *hi = bound(n, in, 2, p->max);
}

static void clip_forward(const lrp_node *n, const lrp_tensor *const *in, lrp_tensor *const *out,
                         lrp_forward_ctx *scratch)
{
    (void)scratch;
    float lo, hi;
    lrp_clip_bounds(n, in, &lo, &hi);
    const float *x = in[0]->data;
    float *y = out[0]->data;
    size_t count = lrp_tensor_count(in[0]);
    for (size_t i = 0; i < count; i++) {
        float v = x[i] < lo ? lo : x[i]; /* NaN stays NaN */
        y[i] = v > hi ? hi : v;
    }
}

const lrp_op lrp_op_clip = {
    .name = "Clip",
    .min_inputs = 1,
    .max_inputs = 3,
    .n_outputs = 1,
    .relevance = LRP_REL_CLIP,
    .parse = clip_parse,
    .infer = clip_infer,
    .forward = clip_forward,
};
