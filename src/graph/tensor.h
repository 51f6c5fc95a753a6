/* The tensor as every op sees it: a data type, a shape whose dims may
 * still be unknown (-1) before the input is bound, and optional data. */
#ifndef LRP_GRAPH_TENSOR_H
#define LRP_GRAPH_TENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lrp.h"

/* Values are ONNX TensorProto.DataType codes. */
typedef enum lrp_dtype {
    LRP_UNDEFINED = 0,
    LRP_FLOAT = 1,
    LRP_INT64 = 7,
} lrp_dtype;

typedef struct lrp_tensor {
    lrp_dtype dtype;
    int rank;
    int64_t dims[LRP_MAX_RANK]; /* -1: unknown until the input is bound */
    void *data;                 /* NULL until computed; owner: see holder */
} lrp_tensor;

/* Product of the dims; 0 when any dim is unknown or zero. */
size_t lrp_tensor_count(const lrp_tensor *t);
bool lrp_tensor_known(const lrp_tensor *t); /* every dim >= 0 */
bool lrp_tensor_same_shape(const lrp_tensor *a, const lrp_tensor *b);
/* Writes "(1, 64, 56, 56)" or "(?, 3, ?, ?)" into buf; returns buf. */
char *lrp_tensor_shape_str(const lrp_tensor *t, char *buf, size_t size);
const char *lrp_dtype_name(lrp_dtype dtype);
size_t lrp_dtype_size(lrp_dtype dtype);

#endif
