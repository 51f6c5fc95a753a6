/* A guard run before protobuf-c unpacks a model: protobuf-c recurses once
 * per nested message, so a file of deeply nested subgraphs would overflow
 * the stack. This walks the wire format with the message descriptors and a
 * depth limit, without recursion deeper than that limit. */
#ifndef LRP_ONNX_WIRE_DEPTH_H
#define LRP_ONNX_WIRE_DEPTH_H

#include <protobuf-c/protobuf-c.h>

#include "lrp.h"

#define LRP_MAX_MESSAGE_DEPTH 64

/* LRP_OK when no message nests deeper than LRP_MAX_MESSAGE_DEPTH; a parse
 * error for a malformed wire format (protobuf-c would refuse it too). */
lrp_status lrp_wire_check_depth(const uint8_t *buf, size_t size,
                                const ProtobufCMessageDescriptor *desc, lrp_error *err);

#endif
