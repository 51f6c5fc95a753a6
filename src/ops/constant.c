/* Constant: a float32 or int64 tensor from the attribute value (a tensor),
 * value_float(s) or value_int(s). infer() computes the data; no forward. */
#include <stdlib.h>
#include <string.h>

#include "ops/registry.h"
#include "ops/shape_util.h"

/* The attributes that can hold a supported value. */
typedef struct value_kind {
    const char *name;
    lrp_attr_type type;
    lrp_dtype dtype; /* of the output; from the tensor for 'value' */
    int rank;
    const char *want; /* the type, for messages */
} value_kind;

static const value_kind kinds[] = {
    {"value", LRP_ATTR_TENSOR, LRP_UNDEFINED, 0, "a tensor"},
    {"value_float", LRP_ATTR_FLOAT, LRP_FLOAT, 0, "a float"},
    {"value_floats", LRP_ATTR_FLOATS, LRP_FLOAT, 1, "a list of floats"},
    {"value_int", LRP_ATTR_INT, LRP_INT64, 0, "an int"},
    {"value_ints", LRP_ATTR_INTS, LRP_INT64, 1, "a list of ints"},
};

/* ONNX value attributes onnx-lrp does not handle. */
static const char *const unsupported[] = {"value_string", "value_strings", "sparse_value"};

static lrp_status count_values(const lrp_node *n, int count, lrp_error *err)
{
    for (size_t k = 0; k < sizeof unsupported / sizeof *unsupported; k++)
        if (lrp_node_attr(n, unsupported[k]))
            return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                                 LRP_NODE_FMT "attribute '%s' is "
                                              "not supported, only float32 and int64 values",
                                 LRP_NODE_ARGS(n), unsupported[k]);
    if (count != 1)
        return lrp_error_set(err, LRP_ERR_PARSE,
                             LRP_NODE_FMT
                             "needs exactly one value "
                             "attribute (value, value_float(s), value_int(s)), has %d",
                             LRP_NODE_ARGS(n), count);
    return LRP_OK;
}

static lrp_status find_value(const lrp_node *n, const value_kind **kind, const lrp_attr **attr,
                             lrp_error *err)
{
    int count = 0;
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        const lrp_attr *a = lrp_node_attr(n, kinds[k].name);
        if (a && count++ == 0) {
            *kind = &kinds[k];
            *attr = a;
        }
    }
    lrp_status st = count_values(n, count, err);
    if (st)
        return st;
    if ((*attr)->type != (*kind)->type)
        return lrp_error_set(err, LRP_ERR_PARSE, LRP_NODE_FMT "attribute '%s' must be %s",
                             LRP_NODE_ARGS(n), (*kind)->name, (*kind)->want);
    return LRP_OK;
}

/* The tensor attribute 'value': float32 or int64, with data. */
static lrp_status check_tensor(const lrp_node *n, const lrp_tensor *t, lrp_error *err)
{
    char ts[96];
    if (t->dtype != LRP_FLOAT && t->dtype != LRP_INT64)
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                             LRP_NODE_FMT "value %s is %s, only "
                                          "float32 and int64 are supported",
                             LRP_NODE_ARGS(n), lrp_tensor_shape_str(t, ts, sizeof ts),
                             lrp_dtype_name(t->dtype));
    if (!lrp_tensor_known(t) || (!t->data && lrp_tensor_count(t) > 0))
        return lrp_error_set(err, LRP_ERR_PARSE, LRP_NODE_FMT "value %s has no data",
                             LRP_NODE_ARGS(n), lrp_tensor_shape_str(t, ts, sizeof ts));
    return LRP_OK;
}

/* *shape = the value's dtype and dims; *src = its data, in the attribute. */
static lrp_status constant_value(const lrp_node *n, lrp_tensor *shape, const void **src,
                                 lrp_error *err)
{
    const value_kind *kind = NULL;
    const lrp_attr *a = NULL;
    lrp_status st = find_value(n, &kind, &a, err);
    if (st || (a->type == LRP_ATTR_TENSOR && (st = check_tensor(n, &a->t, err))))
        return st;
    memset(shape, 0, sizeof *shape);
    shape->dtype = kind->dtype;
    shape->rank = kind->rank;
    shape->dims[0] = a->n;
    switch (a->type) {
    case LRP_ATTR_TENSOR:
        *shape = a->t;
        *src = a->t.data;
        break;
    case LRP_ATTR_FLOAT: *src = &a->f; break;
    case LRP_ATTR_FLOATS: *src = a->floats; break;
    case LRP_ATTR_INT: *src = &a->i; break;
    default: *src = a->ints; break;
    }
    shape->data = NULL;
    return LRP_OK;
}

static lrp_status constant_parse(lrp_node *n, lrp_error *err)
{
    lrp_tensor shape;
    const void *src;
    return constant_value(n, &shape, &src, err);
}

static lrp_status constant_infer(const lrp_node *n, lrp_tensor *const *in,
                                 lrp_tensor *const *out, lrp_error *err)
{
    (void)in;
    const void *src = NULL;
    lrp_status st = constant_value(n, out[0], &src, err);
    if (st)
        return st;
    size_t bytes = lrp_tensor_count(out[0]) * lrp_dtype_size(out[0]->dtype);
    if (!(out[0]->data = malloc(bytes ? bytes : 1)))
        return lrp_error_set(err, LRP_ERR_NOMEM, LRP_NODE_FMT "out of memory",
                             LRP_NODE_ARGS(n));
    if (bytes)
        memcpy(out[0]->data, src, bytes);
    return LRP_OK;
}

const lrp_op lrp_op_constant = {
    .name = "Constant",
    .min_inputs = 0,
    .max_inputs = 0,
    .n_outputs = 1,
    .parse = constant_parse,
    .infer = constant_infer,
};
