/* Every op onnx-lrp supports, one extern per ONNX op_type; registry.c
 * lists them in one table for lrp_op_find (declared in ops/op.h). */
#ifndef LRP_OPS_REGISTRY_H
#define LRP_OPS_REGISTRY_H

#include "ops/op.h"

extern const lrp_op lrp_op_add;
extern const lrp_op lrp_op_averagepool;
extern const lrp_op lrp_op_batchnormalization;
extern const lrp_op lrp_op_cast;
extern const lrp_op lrp_op_clip;
extern const lrp_op lrp_op_concat;
extern const lrp_op lrp_op_constant;
extern const lrp_op lrp_op_constantofshape;
extern const lrp_op lrp_op_conv;
extern const lrp_op lrp_op_div;
extern const lrp_op lrp_op_dropout;
extern const lrp_op lrp_op_expand;
extern const lrp_op lrp_op_flatten;
extern const lrp_op lrp_op_gather;
extern const lrp_op lrp_op_gemm;
extern const lrp_op lrp_op_globalaveragepool;
extern const lrp_op lrp_op_identity;
extern const lrp_op lrp_op_logsoftmax;
extern const lrp_op lrp_op_matmul;
extern const lrp_op lrp_op_maxpool;
extern const lrp_op lrp_op_mul;
extern const lrp_op lrp_op_pad;
extern const lrp_op lrp_op_reducemean;
extern const lrp_op lrp_op_relu;
extern const lrp_op lrp_op_reshape;
extern const lrp_op lrp_op_shape;
extern const lrp_op lrp_op_sigmoid;
extern const lrp_op lrp_op_slice;
extern const lrp_op lrp_op_softmax;
extern const lrp_op lrp_op_squeeze;
extern const lrp_op lrp_op_sub;
extern const lrp_op lrp_op_transpose;
extern const lrp_op lrp_op_unsqueeze;

#endif
