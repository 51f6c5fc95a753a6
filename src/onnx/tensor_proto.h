/* TensorProto -> lrp_tensor, shared by initializers and tensor attributes. */
#ifndef LRP_ONNX_TENSOR_PROTO_H
#define LRP_ONNX_TENSOR_PROTO_H

#include "graph/tensor.h"
#include "onnx.pb-c.h"

/* Moves dims and data (float32 or int64; int32 widened to int64) into t,
 * whose data the caller then owns: raw_data is taken over from tp (left
 * empty), typed fields are copied. Rejects external data, other dtypes and
 * data shorter than the dims say; 'what' names the tensor in messages. */
lrp_status lrp_tensor_from_proto(Onnx__TensorProto *tp, const char *what, lrp_tensor *t,
                                 lrp_error *err);

#endif
