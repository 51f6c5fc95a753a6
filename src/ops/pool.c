/* Shared parsing and shape inference of the windowed pools. */
#include "ops/pool.h"

#include <stdlib.h>

#include "ops/op.h"

lrp_status lrp_pool_parse(lrp_node *n, lrp_error *err)
{
    lrp_pool_params *p = calloc(1, sizeof *p);
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

lrp_status lrp_pool_geom(const lrp_node *n, const lrp_tensor *x, lrp_geom *g,
                         lrp_error *err)
{
    const lrp_pool_params *p = n->params;
    char xs[96];
    if (x->dtype != LRP_FLOAT || x->rank != 4)
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                             LRP_NODE_FMT "X must be float32 (N,C,H,W), got %s %s",
                             LRP_NODE_ARGS(n), lrp_dtype_name(x->dtype),
                             lrp_tensor_shape_str(x, xs, sizeof xs));
    return lrp_window_resolve(n, &p->win, x->dims[2], x->dims[3], p->win.kernel[0],
                              p->win.kernel[1], g, err);
}

lrp_status lrp_pool_infer(const lrp_node *n, lrp_tensor *const *in,
                          lrp_tensor *const *out, lrp_error *err)
{
    lrp_geom g;
    lrp_status st = lrp_pool_geom(n, in[0], &g, err);
    if (st)
        return st;
    *out[0] = *in[0];
    out[0]->data = NULL;
    out[0]->dims[2] = g.out_h;
    out[0]->dims[3] = g.out_w;
    return LRP_OK;
}
