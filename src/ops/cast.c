/* Cast between float32 and int64 of known data (shape arithmetic, which
 * exporters cast around), and the no-op Cast of an activation to its own
 * type. Casting computed data to another type is refused. */
#include <stdlib.h>

#include "ops/registry.h"
#include "ops/shape_util.h"

typedef struct cast_params {
    int64_t to; /* ONNX TensorProto.DataType */
} cast_params;

static lrp_status cast_parse(lrp_node *n, lrp_error *err)
{
    cast_params p;
    lrp_status st = lrp_attr_int(n, "to", 0, &p.to, err);
    if (st)
        return st;
    if (p.to != LRP_FLOAT && p.to != LRP_INT64)
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                             LRP_NODE_FMT "cast to data type %lld "
                                          "is not supported (only float32 = 1 and int64 = 7)",
                             LRP_NODE_ARGS(n), (long long)p.to);
    return lrp_op_set_params(n, &p, sizeof p, err);
}

static lrp_status cast_infer(const lrp_node *n, lrp_tensor *const *in, lrp_tensor *const *out,
                             lrp_error *err)
{
    const cast_params *p = n->params;
    const lrp_tensor *x = in[0];
    lrp_tensor *y = out[0];
    *y = *x;
    y->data = NULL;
    y->dtype = (lrp_dtype)p->to;
    if (!x->data && x->dtype != y->dtype)
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                             LRP_NODE_FMT "casts computed data of "
                                          "type %d to type %d",
                             LRP_NODE_ARGS(n), (int)x->dtype, (int)y->dtype);
    if (!x->data)
        return LRP_OK;
    size_t count = lrp_tensor_count(x);
    if (!(y->data = malloc(count * lrp_dtype_size(y->dtype) + 1)))
        return lrp_error_set(err, LRP_ERR_NOMEM, LRP_NODE_FMT "out of memory",
                             LRP_NODE_ARGS(n));
    for (size_t i = 0; i < count; i++) {
        double v = x->dtype == LRP_FLOAT ? ((const float *)x->data)[i]
                                         : (double)((const int64_t *)x->data)[i];
        if (y->dtype == LRP_FLOAT)
            ((float *)y->data)[i] = (float)v;
        else if (x->dtype == LRP_INT64)
            ((int64_t *)y->data)[i] = ((const int64_t *)x->data)[i];
        else if (v >= -9.2e18 && v <= 9.2e18) /* NaN fails both */
            ((int64_t *)y->data)[i] = (int64_t)v;
        else
            return lrp_error_set(err, LRP_ERR_SHAPE,
                                 LRP_NODE_FMT "value %g does not fit in "
                                              "int64",
                                 LRP_NODE_ARGS(n), v);
    }
    return LRP_OK;
}

const lrp_op lrp_op_cast = {
    .name = "Cast",
    .min_inputs = 1,
    .max_inputs = 1,
    .n_outputs = 1,
    .relevance = LRP_REL_RESHAPE,
    .parse = cast_parse,
    .infer = cast_infer,
    .forward = lrp_shape_forward_copy,
};
