/* The ONNX importer: protobuf bytes -> lrp_graph. The only module that
 * includes the protobuf-c generated header. */
#ifndef LRP_ONNX_IMPORT_H
#define LRP_ONNX_IMPORT_H

#include "graph/graph.h"

/* Builds g from a serialized ModelProto: values, initializers, nodes with
 * attributes (plus "_opset", the model's default-domain opset, as an int
 * attribute on every node), graph inputs/outputs, metadata_props; resolves
 * Identity of initializers; links and orders the graph. 'name' (the file)
 * is not put in messages: the caller prefixes it. */
lrp_status lrp_onnx_import(const void *buf, size_t size, lrp_graph *g, lrp_error *err);

#endif
