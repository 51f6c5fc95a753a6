/* ConstantOfShape: a tensor of the shape in input 0 (int64, known at infer
 * time) filled with the one element of the attribute value (float32 or
 * int64; default float 0). Exporters write it into shape arithmetic, such
 * as the pads of an option-A shortcut. infer() computes the data. */
#include <stdlib.h>
#include <string.h>

#include "graph/shapes.h"
#include "ops/registry.h"
#include "ops/shape_util.h"

static lrp_status constantofshape_parse(lrp_node *n, lrp_error *err)
{
    const lrp_attr *a = lrp_node_attr(n, "value");
    if (a && (a->type != LRP_ATTR_TENSOR || lrp_tensor_count(&a->t) != 1 || !a->t.data ||
              (a->t.dtype != LRP_FLOAT && a->t.dtype != LRP_INT64)))
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                             LRP_NODE_FMT "value must be one "
                                          "float32 or int64 element",
                             LRP_NODE_ARGS(n));
    return LRP_OK;
}

static lrp_status constantofshape_infer(const lrp_node *n, lrp_tensor *const *in,
                                        lrp_tensor *const *out, lrp_error *err)
{
    const lrp_attr *a = lrp_node_attr(n, "value");
    int64_t dims[LRP_MAX_RANK];
    int rank;
    lrp_status st = lrp_shape_read(n, in[0], "shape", dims, LRP_MAX_RANK, &rank, err);
    if (st)
        return st;
    lrp_tensor *y = out[0];
    y->dtype = a ? a->t.dtype : LRP_FLOAT;
    y->rank = rank;
    for (int d = 0; d < rank; d++)
        if ((y->dims[d] = dims[d]) < 0)
            return lrp_error_set(err, LRP_ERR_SHAPE,
                                 LRP_NODE_FMT "negative dim %lld in "
                                              "shape",
                                 LRP_NODE_ARGS(n), (long long)dims[d]);
    if ((st = lrp_shapes_check_size(n, y, err)))
        return st;
    size_t count = lrp_tensor_count(y), size = lrp_dtype_size(y->dtype), bytes;
    if (!lrp_mul_size(count, size, &bytes) || !(y->data = calloc(1, bytes + 1)))
        return lrp_error_set(err, LRP_ERR_NOMEM, LRP_NODE_FMT "out of memory",
                             LRP_NODE_ARGS(n));
    for (size_t i = 0; a && i < count; i++)
        memcpy((char *)y->data + i * size, a->t.data, size);
    return LRP_OK;
}

const lrp_op lrp_op_constantofshape = {
    .name = "ConstantOfShape",
    .min_inputs = 1,
    .max_inputs = 1,
    .n_outputs = 1,
    .parse = constantofshape_parse,
    .infer = constantofshape_infer,
};
