/* Shared parsing and shape inference of the windowed pools. */
#include "ops/pooling.h"

#include <stdlib.h>

#include "ops/op.h"

lrp_status lrp_pooling_parse(lrp_node *n, lrp_error *err)
{
    lrp_pooling_params *p = calloc(1, sizeof *p);
    if (!p)
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
    n->params = p;
    int64_t include_pad, storage_order;
    lrp_status st;
    if ((st = lrp_window_parse(n, &p->win, err)) ||
        (st = lrp_attr_int(n, "count_include_pad", 0, &include_pad, err)) ||
        (st = lrp_attr_int(n, "storage_order", 0, &storage_order, err)))
        return st;
    if (p->win.kernel[0] == 0)
        return lrp_error_set(err, LRP_ERR_PARSE, LRP_NODE_FMT "kernel_shape is required",
                             LRP_NODE_ARGS(n));
    p->count_include_pad = include_pad != 0;
    return LRP_OK;
}

lrp_status lrp_pooling_geom(const lrp_node *n, const lrp_tensor *x, lrp_geom *g, lrp_error *err)
{
    const lrp_pooling_params *p = n->params;
    char xs[96];
    if (x->dtype != LRP_FLOAT || x->rank != 4)
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                             LRP_NODE_FMT "X must be float32 (N,C,H,W), got %s %s",
                             LRP_NODE_ARGS(n), lrp_dtype_name(x->dtype),
                             lrp_tensor_shape_str(x, xs, sizeof xs));
    return lrp_window_resolve(n, &p->win, x->dims[2], x->dims[3], p->win.kernel[0],
                              p->win.kernel[1], g, err);
}

/* Taps start, start + d, ... below end on one axis; 0 when end <= start. */
static int64_t taps(int64_t start, int64_t end, int64_t d)
{
    return end > start ? (end - start + d - 1) / d : 0;
}

int64_t lrp_avgpool_divisor(const lrp_geom *g, bool count_include_pad, int64_t oh, int64_t ow)
{
    int64_t h0 = oh * g->sh - g->pad_t, w0 = ow * g->sw - g->pad_l;
    int64_t h1 = h0 + (g->kh - 1) * g->dh + 1, w1 = w0 + (g->kw - 1) * g->dw + 1;
    int64_t lo_h = 0, lo_w = 0, hi_h = g->in_h, hi_w = g->in_w;
    if (count_include_pad) {
        lo_h = -g->pad_t;
        lo_w = -g->pad_l;
        hi_h += g->pad_b;
        hi_w += g->pad_r;
    }
    /* the first tap at or after lo on the dilated grid of the window */
    int64_t sh = h0 < lo_h ? h0 + (lo_h - h0 + g->dh - 1) / g->dh * g->dh : h0;
    int64_t sw = w0 < lo_w ? w0 + (lo_w - w0 + g->dw - 1) / g->dw * g->dw : w0;
    int64_t n = taps(sh, h1 < hi_h ? h1 : hi_h, g->dh) * taps(sw, w1 < hi_w ? w1 : hi_w, g->dw);
    return n > 0 ? n : 1;
}

lrp_status lrp_pooling_infer(const lrp_node *n, lrp_tensor *const *in, lrp_tensor *const *out,
                             lrp_error *err)
{
    lrp_geom g;
    lrp_status st = lrp_pooling_geom(n, in[0], &g, err);
    if (st)
        return st;
    *out[0] = *in[0];
    out[0]->data = NULL;
    out[0]->dims[2] = g.out_h;
    out[0]->dims[3] = g.out_w;
    return LRP_OK;
}
