/* Conv (2-D, groups, strides, pads, auto_pad, dilations, optional bias)
 * as im2col + lrp_sgemm per image and group; 1x1/stride-1/no-pad convs skip
 * im2col. Its transpose (col2im) serves the relevance rules. */
#include "ops/conv.h"

#include <stdlib.h>
#include <string.h>

#include "blas/gemm.h"
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

lrp_status lrp_conv_shape_of(const lrp_node *n, const lrp_tensor *x,
                             const lrp_tensor *w, lrp_conv_shape *s, lrp_error *err)
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
    return lrp_window_resolve(n, &p->win, x->dims[2], x->dims[3], w->dims[2], w->dims[3],
                              &s->g, err);
}

static lrp_status conv_infer(const lrp_node *n, lrp_tensor *const *in,
                             lrp_tensor *const *out, lrp_error *err)
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

static bool is_pointwise(const lrp_conv_shape *s)
{
    const lrp_geom *g = &s->g;
    return g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->pad_t == 0 &&
           g->pad_l == 0 && g->out_h == g->in_h && g->out_w == g->in_w;
}

size_t lrp_conv_scratch_floats(const lrp_conv_shape *s)
{
    if (is_pointwise(s))
        return 0;
    return (size_t)(s->c_in / s->group * s->g.kh * s->g.kw) *
           (size_t)(s->g.out_h * s->g.out_w);
}

/* col (C/g*kH*kW, OH*OW) from one image-group x (C/g, H, W); zero padding. */
static void im2col(const lrp_geom *g, int64_t channels, const float *x, float *col)
{
    const int64_t ohw = g->out_h * g->out_w;
    for (int64_t c = 0; c < channels; c++)
        for (int64_t i = 0; i < g->kh; i++)
            for (int64_t j = 0; j < g->kw; j++) {
                float *row = col + ((c * g->kh + i) * g->kw + j) * ohw;
                const float *plane = x + c * g->in_h * g->in_w;
                for (int64_t oh = 0; oh < g->out_h; oh++) {
                    int64_t h = oh * g->sh - g->pad_t + i * g->dh;
                    float *dst = row + oh * g->out_w;
                    if (h < 0 || h >= g->in_h) {
                        memset(dst, 0, sizeof *dst * (size_t)g->out_w);
                        continue;
                    }
                    for (int64_t ow = 0; ow < g->out_w; ow++) {
                        int64_t w = ow * g->sw - g->pad_l + j * g->dw;
                        dst[ow] = (w >= 0 && w < g->in_w) ? plane[h * g->in_w + w] : 0.0f;
                    }
                }
            }
}

/* x (C/g, H, W) += col2im(col); the adjoint of im2col. */
static void col2im_add(const lrp_geom *g, int64_t channels, const float *col, float *x)
{
    const int64_t ohw = g->out_h * g->out_w;
    for (int64_t c = 0; c < channels; c++)
        for (int64_t i = 0; i < g->kh; i++)
            for (int64_t j = 0; j < g->kw; j++) {
                const float *row = col + ((c * g->kh + i) * g->kw + j) * ohw;
                float *plane = x + c * g->in_h * g->in_w;
                for (int64_t oh = 0; oh < g->out_h; oh++) {
                    int64_t h = oh * g->sh - g->pad_t + i * g->dh;
                    if (h < 0 || h >= g->in_h)
                        continue;
                    for (int64_t ow = 0; ow < g->out_w; ow++) {
                        int64_t w = ow * g->sw - g->pad_l + j * g->dw;
                        if (w >= 0 && w < g->in_w)
                            plane[h * g->in_w + w] += row[oh * g->out_w + ow];
                    }
                }
            }
}

void lrp_conv_forward(const lrp_conv_shape *s, const float *x, const float *w,
                      const float *b, float *y, float *scratch)
{
    const int64_t cg = s->c_in / s->group, mg = s->c_out / s->group;
    const int64_t ohw = s->g.out_h * s->g.out_w, hw = s->g.in_h * s->g.in_w;
    const int64_t k = cg * s->g.kh * s->g.kw;
    const bool direct = is_pointwise(s);
    for (int64_t i = 0; i < s->n; i++) {
        float *yi = y + i * s->c_out * ohw;
        for (int64_t m = 0; m < s->c_out; m++)
            for (int64_t p = 0; p < ohw; p++)
                yi[m * ohw + p] = b ? b[m] : 0.0f;
        for (int64_t gi = 0; gi < s->group; gi++) {
            const float *xg = x + (i * s->c_in + gi * cg) * hw;
            const float *col = xg;
            if (!direct) {
                im2col(&s->g, cg, xg, scratch);
                col = scratch;
            }
            lrp_sgemm(false, false, (int)mg, (int)ohw, (int)k, 1.0f, w + gi * mg * k,
                      (int)k, col, (int)ohw, 1.0f, yi + gi * mg * ohw, (int)ohw);
        }
    }
}

void lrp_conv_backward_add(const lrp_conv_shape *s, const float *dy, const float *w,
                           float *dx, float *scratch)
{
    const int64_t cg = s->c_in / s->group, mg = s->c_out / s->group;
    const int64_t ohw = s->g.out_h * s->g.out_w, hw = s->g.in_h * s->g.in_w;
    const int64_t k = cg * s->g.kh * s->g.kw;
    const bool direct = is_pointwise(s);
    for (int64_t i = 0; i < s->n; i++)
        for (int64_t gi = 0; gi < s->group; gi++) {
            const float *dyg = dy + (i * s->c_out + gi * mg) * ohw;
            float *dxg = dx + (i * s->c_in + gi * cg) * hw;
            /* col (K, OHW) = W_gᵀ (K, M/g) · dy_g (M/g, OHW) */
            lrp_sgemm(true, false, (int)k, (int)ohw, (int)mg, 1.0f, w + gi * mg * k,
                      (int)k, dyg, (int)ohw, direct ? 1.0f : 0.0f, direct ? dxg : scratch,
                      (int)ohw);
            if (!direct)
                col2im_add(&s->g, cg, scratch, dxg);
        }
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

static void conv_forward(const lrp_node *n, const lrp_tensor *const *in,
                         lrp_tensor *const *out, lrp_scratch *scratch)
{
    lrp_conv_shape s;
    lrp_conv_shape_of(n, in[0], in[1], &s, NULL);
    lrp_conv_forward(&s, in[0]->data, in[1]->data, in[2] ? in[2]->data : NULL,
                     out[0]->data, scratch->data);
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
    .parse = conv_parse,
    .infer = conv_infer,
    .scratch_floats = conv_scratch,
    .forward = conv_forward,
    .flops = conv_flops,
};
