/* The Conv op (2-D, groups, strides, pads, auto_pad, dilations, optional
 * bias): attributes and shapes here, the kernels in conv_kernels.c. */
#include "ops/conv.h"

#include <stdlib.h>
#include <string.h>

#include "ops/op.h"

typedef struct conv_params {
    lrp_window win;
    int64_t group;
} conv_params;

static lrp_status conv_parse(lrp_node *n, lrp_error *err)
{
    conv_params *p = calloc(1, sizeof *p);
    if (!p)
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
    n->params = p;
    lrp_status st = lrp_window_parse(n, &p->win, err);
    if (st == LRP_OK)
        st = lrp_attr_int(n, "group", 1, &p->group, err);
    if (st == LRP_OK && p->group < 1)
        st = lrp_error_set(err, LRP_ERR_PARSE, LRP_NODE_FMT "group must be >= 1",
                           LRP_NODE_ARGS(n));
    return st;
}

lrp_status lrp_conv_shape_of(const lrp_node *n, const lrp_tensor *x, const lrp_tensor *w,
                             lrp_conv_shape *s, lrp_error *err)
{
    const conv_params *p = n->params;
    char xs[96], ws[96];
    if (x->dtype != LRP_FLOAT || w->dtype != LRP_FLOAT)
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED, LRP_NODE_FMT "X and W must be float32",
                             LRP_NODE_ARGS(n));
    if (x->rank != 4 || w->rank != 4)
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                             LRP_NODE_FMT "only 2-D convolution is supported: X %s, W %s",
                             LRP_NODE_ARGS(n), lrp_tensor_shape_str(x, xs, sizeof xs),
                             lrp_tensor_shape_str(w, ws, sizeof ws));
    const int64_t *k = p->win.kernel;
    if (w->dims[0] < 1 || w->dims[0] % p->group != 0 || w->dims[1] < 1 ||
        (x->dims[1] >= 0 && x->dims[1] != w->dims[1] * p->group) ||
        (k[0] && (k[0] != w->dims[2] || k[1] != w->dims[3])))
        return lrp_error_set(err, LRP_ERR_SHAPE,
                             LRP_NODE_FMT "X %s does not fit W %s with group %lld",
                             LRP_NODE_ARGS(n), lrp_tensor_shape_str(x, xs, sizeof xs),
                             lrp_tensor_shape_str(w, ws, sizeof ws), (long long)p->group);
    s->n = x->dims[0];
    s->c_in = w->dims[1] * p->group;
    s->c_out = w->dims[0];
    s->group = p->group;
    return lrp_window_resolve(n, &p->win, x->dims[2], x->dims[3], w->dims[2], w->dims[3], &s->g,
                              err);
}

static lrp_status conv_infer(const lrp_node *n, lrp_tensor *const *in, lrp_tensor *const *out,
                             lrp_error *err)
{
    lrp_conv_shape s;
    lrp_status st = lrp_conv_shape_of(n, in[0], in[1], &s, err);
    if (st)
        return st;
    if (in[2] && (in[2]->dtype != LRP_FLOAT || in[2]->rank != 1 || in[2]->dims[0] != s.c_out))
        return lrp_error_set(err, LRP_ERR_SHAPE, LRP_NODE_FMT "bias B must be float32 (%lld,)",
                             LRP_NODE_ARGS(n), (long long)s.c_out);
    out[0]->dtype = LRP_FLOAT;
    out[0]->rank = 4;
    out[0]->dims[0] = s.n;
    out[0]->dims[1] = s.c_out;
    out[0]->dims[2] = s.g.out_h;
    out[0]->dims[3] = s.g.out_w;
    return LRP_OK;
}

static size_t conv_scratch(const lrp_node *n, const lrp_tensor *const *in,
                           const lrp_tensor *const *out)
{
    (void)out;
    lrp_conv_shape s;
    if (lrp_conv_shape_of(n, in[0], in[1], &s, NULL))
        return 0;
    return lrp_conv_scratch_floats(&s);
}

static void conv_forward(const lrp_node *n, const lrp_tensor *const *in, lrp_tensor *const *out,
                         lrp_forward_ctx *scratch)
{
    lrp_conv_shape s;
    lrp_conv_shape_of(n, in[0], in[1], &s, NULL);
    if (!lrp_conv_forward(&s, in[0]->data, in[1]->data, in[2] ? in[2]->data : NULL,
                          out[0]->data, &scratch->epi, scratch->data, scratch->pool,
                          scratch->dnnl, NULL) &&
        !scratch->failed)
        scratch->failed = n;
}

static double conv_flops(const lrp_node *n, const lrp_tensor *const *in,
                         const lrp_tensor *const *out)
{
    (void)n;
    const lrp_tensor *w = in[1];
    return (double)lrp_tensor_count(out[0]) * (double)(w->dims[1] * w->dims[2] * w->dims[3]);
}

const lrp_op lrp_op_conv = {
    .name = "Conv",
    .min_inputs = 2,
    .max_inputs = 3,
    .n_outputs = 1,
    .relevance = LRP_REL_CONV,
    .shortcut_step = true,
    .parse = conv_parse,
    .infer = conv_infer,
    .scratch_floats = conv_scratch,
    .forward = conv_forward,
    .relu_epilogue = true,
    .add_epilogue = true,
    .flops = conv_flops,
};
