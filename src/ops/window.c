/* Parsing and resolving the sliding-window attributes of Conv and pools,
 * with ONNX's auto_pad and ceil_mode output-size rules. */
#include "ops/window.h"

#include <string.h>

#include "ops/op.h"

static lrp_status read_pair(const lrp_node *n, const char *name, int64_t dflt, int64_t out[2],
                            lrp_error *err)
{
    int count;
    int64_t v[2];
    lrp_status st = lrp_attr_ints(n, name, v, 2, &count, err);
    if (st)
        return st;
    if (count != 0 && count != 2)
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                             LRP_NODE_FMT "attribute '%s' has %d entries; only "
                                          "2-D windows (N,C,H,W) are supported",
                             LRP_NODE_ARGS(n), name, count);
    out[0] = count ? v[0] : dflt;
    out[1] = count ? v[1] : dflt;
    if (out[0] < 1 || out[1] < 1)
        return lrp_error_set(err, LRP_ERR_PARSE, LRP_NODE_FMT "attribute '%s' must be >= 1",
                             LRP_NODE_ARGS(n), name);
    return LRP_OK;
}

static lrp_status read_auto_pad(const lrp_node *n, lrp_window *w, lrp_error *err)
{
    const char *s;
    lrp_status st = lrp_attr_string(n, "auto_pad", "NOTSET", &s, err);
    if (st)
        return st;
    if (strcmp(s, "NOTSET") == 0)
        w->auto_pad = LRP_PAD_NOTSET;
    else if (strcmp(s, "VALID") == 0)
        w->auto_pad = LRP_PAD_VALID;
    else if (strcmp(s, "SAME_UPPER") == 0)
        w->auto_pad = LRP_PAD_SAME_UPPER;
    else if (strcmp(s, "SAME_LOWER") == 0)
        w->auto_pad = LRP_PAD_SAME_LOWER;
    else
        return lrp_error_set(err, LRP_ERR_PARSE, LRP_NODE_FMT "unknown auto_pad '%s'",
                             LRP_NODE_ARGS(n), s);
    return LRP_OK;
}

lrp_status lrp_window_parse(const lrp_node *n, lrp_window *w, lrp_error *err)
{
    memset(w, 0, sizeof *w);
    int count;
    int64_t ceil_mode;
    lrp_status st;
    if ((st = lrp_attr_ints(n, "kernel_shape", w->kernel, 2, &count, err)))
        return st;
    if (count == 1 || (count == 2 && (w->kernel[0] < 1 || w->kernel[1] < 1)))
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                             LRP_NODE_FMT "kernel_shape must be two dims >= 1",
                             LRP_NODE_ARGS(n));
    if ((st = read_pair(n, "strides", 1, w->stride, err)) ||
        (st = read_pair(n, "dilations", 1, w->dilation, err)) ||
        (st = read_auto_pad(n, w, err)) ||
        (st = lrp_attr_ints(n, "pads", w->pads, 4, &count, err)) ||
        (st = lrp_attr_int(n, "ceil_mode", 0, &ceil_mode, err)))
        return st;
    if (count != 0 && count != 4)
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                             LRP_NODE_FMT "pads has %d entries; only 2-D windows are supported",
                             LRP_NODE_ARGS(n), count);
    for (int i = 0; i < 4; i++)
        if (w->pads[i] < 0)
            return lrp_error_set(err, LRP_ERR_PARSE, LRP_NODE_FMT "negative pads",
                                 LRP_NODE_ARGS(n));
    w->ceil_mode = ceil_mode != 0;
    return LRP_OK;
}

/* One spatial axis: effective pads and output length. */
static lrp_status resolve_axis(const lrp_node *n, const lrp_window *w, int axis, int64_t in,
                               int64_t k, int64_t *out, int64_t *pad_lo, int64_t *pad_hi,
                               lrp_error *err)
{
    int64_t s = w->stride[axis], d = w->dilation[axis];
    int64_t span = (k - 1) * d + 1;
    *pad_lo = w->pads[axis];
    *pad_hi = w->pads[axis + 2];
    if (in < 0) {
        *out = -1;
        return LRP_OK;
    }
    if (w->auto_pad == LRP_PAD_VALID) {
        *pad_lo = *pad_hi = 0;
    } else if (w->auto_pad != LRP_PAD_NOTSET) {
        int64_t target = (in + s - 1) / s;
        int64_t total = (target - 1) * s + span - in;
        total = total < 0 ? 0 : total;
        *pad_lo = w->auto_pad == LRP_PAD_SAME_UPPER ? total / 2 : total - total / 2;
        *pad_hi = total - *pad_lo;
    }
    int64_t room = in + *pad_lo + *pad_hi - span;
    if (room < 0)
        return lrp_error_set(err, LRP_ERR_SHAPE,
                             LRP_NODE_FMT "window of %lld (kernel %lld, dilation %lld) "
                                          "is larger than the padded input %lld on axis %d",
                             LRP_NODE_ARGS(n), (long long)span, (long long)k, (long long)d,
                             (long long)(in + *pad_lo + *pad_hi), axis + 2);
    *out = (w->ceil_mode ? (room + s - 1) / s : room / s) + 1;
    /* ceil_mode: a last window that starts inside the trailing pad is dropped */
    if (w->ceil_mode && (*out - 1) * s >= in + *pad_lo)
        (*out)--;
    return LRP_OK;
}

lrp_status lrp_window_resolve(const lrp_node *n, const lrp_window *w, int64_t in_h,
                              int64_t in_w, int64_t kh, int64_t kw, lrp_geom *g, lrp_error *err)
{
    memset(g, 0, sizeof *g);
    g->in_h = in_h;
    g->in_w = in_w;
    g->kh = kh;
    g->kw = kw;
    g->sh = w->stride[0];
    g->sw = w->stride[1];
    g->dh = w->dilation[0];
    g->dw = w->dilation[1];
    lrp_status st = resolve_axis(n, w, 0, in_h, kh, &g->out_h, &g->pad_t, &g->pad_b, err);
    if (st == LRP_OK)
        st = resolve_axis(n, w, 1, in_w, kw, &g->out_w, &g->pad_l, &g->pad_r, err);
    return st;
}

void lrp_geom_inner_cols(const lrp_geom *g, int64_t *begin, int64_t *end)
{
    /* ow sw - pad_l >= 0 and ow sw - pad_l + (kw - 1) dw <= in_w - 1 */
    int64_t lo = (g->pad_l + g->sw - 1) / g->sw;
    int64_t last = g->in_w - 1 - (g->kw - 1) * g->dw + g->pad_l;
    int64_t hi = last < 0 ? 0 : last / g->sw + 1;
    lo = lo < g->out_w ? lo : g->out_w;
    hi = hi < g->out_w ? hi : g->out_w;
    *begin = lo;
    *end = hi > lo ? hi : lo;
}

void lrp_geom_tap_rows(const lrp_geom *g, int64_t oh, int64_t *begin, int64_t *end)
{
    int64_t h0 = oh * g->sh - g->pad_t;
    int64_t lo = h0 >= 0 ? 0 : (-h0 + g->dh - 1) / g->dh;
    int64_t hi = g->in_h - 1 - h0 < 0 ? 0 : (g->in_h - 1 - h0) / g->dh + 1;
    hi = hi < g->kh ? hi : g->kh;
    *begin = lo < hi ? lo : hi;
    *end = hi;
}
