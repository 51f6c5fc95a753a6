/* Walking the protobuf wire format: tags, varints, lengths; descending only
 * into fields the descriptor says are messages. */
#include "onnx/wire_depth.h"

#include "util/error.h"

/* Reads a varint at *p (before end); false when truncated or too long. */
static bool read_varint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && *p < end; shift += 7) {
        uint8_t b = *(*p)++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

static lrp_status walk(const uint8_t *p, const uint8_t *end,
                       const ProtobufCMessageDescriptor *desc, int depth, lrp_error *err)
{
    if (depth > LRP_MAX_MESSAGE_DEPTH)
        return lrp_error_set(err, LRP_ERR_LIMIT,
                             "messages nested more than %d deep (subgraphs within subgraphs)",
                             LRP_MAX_MESSAGE_DEPTH);
    while (p < end) {
        uint64_t tag, len, skip;
        if (!read_varint(&p, end, &tag))
            return lrp_error_set(err, LRP_ERR_PARSE, "not a valid ONNX protobuf (bad tag)");
        switch (tag & 7) {
        case 0: /* varint */
            if (!read_varint(&p, end, &skip))
                return lrp_error_set(err, LRP_ERR_PARSE, "not a valid ONNX protobuf (varint)");
            break;
        case 1: /* 64-bit */
        case 5: /* 32-bit */
            skip = (tag & 7) == 1 ? 8 : 4;
            if ((uint64_t)(end - p) < skip)
                return lrp_error_set(err, LRP_ERR_PARSE,
                                     "not a valid ONNX protobuf (truncated)");
            p += skip;
            break;
        case 2: { /* length-delimited: a message, string, bytes or packed field */
            if (!read_varint(&p, end, &len) || len > (uint64_t)(end - p))
                return lrp_error_set(err, LRP_ERR_PARSE,
                                     "not a valid ONNX protobuf (truncated)");
            const ProtobufCFieldDescriptor
                *f = desc ? protobuf_c_message_descriptor_get_field(desc, (unsigned)(tag >> 3))
                          : NULL;
            if (f && f->type == PROTOBUF_C_TYPE_MESSAGE) {
                lrp_status st = walk(p, p + len, f->descriptor, depth + 1, err);
                if (st)
                    return st;
            }
            p += len;
            break;
        }
        default: /* groups (3, 4) and 6, 7 do not occur in ONNX */
            return lrp_error_set(err, LRP_ERR_PARSE, "not a valid ONNX protobuf (wire type %u)",
                                 (unsigned)(tag & 7));
        }
    }
    return LRP_OK;
}

lrp_status lrp_wire_check_depth(const uint8_t *buf, size_t size,
                                const ProtobufCMessageDescriptor *desc, lrp_error *err)
{
    return walk(buf, buf + size, desc, 0, err);
}
