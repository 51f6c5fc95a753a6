/* Converting ONNX TensorProto data (raw_data or typed fields) into owned,
 * host-order lrp_tensor data, with every size checked before allocating. */
#include "onnx/tensor_proto.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

static lrp_status read_dims(const Onnx__TensorProto *tp, const char *what, lrp_tensor *t,
                            size_t *count, lrp_error *err)
{
    if (tp->n_dims > LRP_MAX_RANK)
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED, "tensor '%s' has rank %zu (at most %d)",
                             what, tp->n_dims, LRP_MAX_RANK);
    t->rank = (int)tp->n_dims;
    *count = 1;
    for (size_t i = 0; i < tp->n_dims; i++) {
        if (tp->dims[i] < 0)
            return lrp_error_set(err, LRP_ERR_PARSE, "tensor '%s' has a negative dim %lld",
                                 what, (long long)tp->dims[i]);
        t->dims[i] = tp->dims[i];
        if (!lrp_mul_size(*count, (size_t)tp->dims[i], count) || *count > (SIZE_MAX >> 4))
            return lrp_error_set(err, LRP_ERR_LIMIT,
                                 "tensor '%s': the product of its dims overflows", what);
    }
    return LRP_OK;
}

static lrp_status short_data(const char *what, size_t have, size_t need, lrp_error *err)
{
    return lrp_error_set(err, LRP_ERR_PARSE,
                         "tensor '%s' holds %zu values but its dims need %zu", what, have,
                         need);
}

/* Little-endian bytes -> host values; this project assumes a little-endian host. */
static lrp_status copy_raw(const Onnx__TensorProto *tp, const char *what, size_t count,
                           size_t elem, void *dst, lrp_error *err)
{
    if (tp->raw_data.len / elem < count)
        return short_data(what, tp->raw_data.len / elem, count, err);
    if (count)
        memcpy(dst, tp->raw_data.data, count * elem);
    return LRP_OK;
}

static lrp_status copy_typed(const Onnx__TensorProto *tp, const char *what, size_t count,
                             lrp_tensor *t, lrp_error *err)
{
    if (tp->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT) {
        if (tp->n_float_data < count)
            return short_data(what, tp->n_float_data, count, err);
        memcpy(t->data, tp->float_data, count * sizeof(float));
        return LRP_OK;
    }
    int64_t *dst = t->data;
    if (tp->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__INT64) {
        if (tp->n_int64_data < count)
            return short_data(what, tp->n_int64_data, count, err);
        memcpy(dst, tp->int64_data, count * sizeof(int64_t));
    } else {
        if (tp->n_int32_data < count)
            return short_data(what, tp->n_int32_data, count, err);
        for (size_t i = 0; i < count; i++)
            dst[i] = tp->int32_data[i];
    }
    return LRP_OK;
}

static lrp_status copy_raw_int32(const Onnx__TensorProto *tp, const char *what, size_t count,
                                 int64_t *dst, lrp_error *err)
{
    if (tp->raw_data.len / 4 < count)
        return short_data(what, tp->raw_data.len / 4, count, err);
    for (size_t i = 0; i < count; i++) {
        int32_t v;
        memcpy(&v, tp->raw_data.data + 4 * i, 4);
        dst[i] = v;
    }
    return LRP_OK;
}

static const char *onnx_dtype_name(int32_t dt)
{
    static const char *names[] = {"undefined",  "float32", "uint8",  "int8",   "uint16",
                                  "int16",      "int32",   "int64",  "string", "bool",
                                  "float16",    "float64", "uint32", "uint64", "complex64",
                                  "complex128", "bfloat16"};
    return dt >= 0 && dt < (int32_t)(sizeof names / sizeof *names) ? names[dt] : "unknown";
}

static lrp_status read_tensor(Onnx__TensorProto *tp, const char *what, lrp_tensor *t,
                              lrp_error *err)
{
    memset(t, 0, sizeof *t);
    size_t count = 0;
    lrp_status st = read_dims(tp, what, t, &count, err);
    if (st)
        return st;
    if (tp->has_data_location &&
        tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                             "tensor '%s' keeps its weights in an external data file; "
                             "re-export without external data (onnx.save_model(..., "
                             "save_as_external_data=False)) for models under 2 GB",
                             what);
    int32_t dt = tp->data_type;
    bool is_i32 = dt == ONNX__TENSOR_PROTO__DATA_TYPE__INT32;
    if (dt != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT &&
        dt != ONNX__TENSOR_PROTO__DATA_TYPE__INT64 && !is_i32)
        return lrp_error_set(
            err, LRP_ERR_UNSUPPORTED,
            "tensor '%s' has data type %s; only float32 and int64 are supported", what,
            onnx_dtype_name(dt));
    t->dtype = dt == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT ? LRP_FLOAT : LRP_INT64;
    size_t elem = lrp_dtype_size(t->dtype);
    size_t have = tp->has_raw_data
                      ? tp->raw_data.len / (is_i32 ? 4 : elem)
                      : (size_t)(tp->n_float_data + tp->n_int64_data + tp->n_int32_data);
    bool ragged = tp->has_raw_data && tp->raw_data.len % (is_i32 ? 4 : elem) != 0;
    if (have != count || ragged) /* the spec wants exactly the dims' count */
        return short_data(what, have, count, err);
    if (tp->has_raw_data && !is_i32 && count > 0) {
        /* protobuf-c malloc'd these bytes (default allocator): take them over
           rather than copy, so a 100 MB model is not held twice while loading */
        t->data = tp->raw_data.data;
        tp->raw_data.data = NULL;
        tp->raw_data.len = 0;
        return LRP_OK;
    }
    t->data = malloc(count ? count * elem : 1);
    if (!t->data)
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory for tensor '%s'", what);
    if (tp->has_raw_data)
        st = is_i32 ? copy_raw_int32(tp, what, count, t->data, err)
                    : copy_raw(tp, what, count, elem, t->data, err);
    else
        st = copy_typed(tp, what, count, t, err);
    if (st) {
        free(t->data);
        t->data = NULL;
    }
    return st;
}

/* A NaN weight would not show: ReLU and MaxPool turn NaN into 0. (Infinity
 * is allowed: Clip bounds may be +-inf.) */
lrp_status lrp_tensor_from_proto(Onnx__TensorProto *tp, const char *what, lrp_tensor *t,
                                 lrp_error *err)
{
    lrp_status st = read_tensor(tp, what, t, err);
    if (st || t->dtype != LRP_FLOAT)
        return st;
    const float *x = t->data;
    size_t n = lrp_tensor_count(t);
    for (size_t i = 0; i < n; i++)
        if (isnan(x[i])) {
            free(t->data);
            t->data = NULL;
            return lrp_error_set(err, LRP_ERR_PARSE,
                                 "tensor '%s' holds NaN (element %zu of %zu)", what, i, n);
        }
    return LRP_OK;
}
