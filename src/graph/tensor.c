/* Shape helpers for lrp_tensor. */
#include "graph/tensor.h"

#include <stdio.h>

size_t lrp_tensor_count(const lrp_tensor *t)
{
    size_t n = 1;
    for (int i = 0; i < t->rank; i++) {
        if (t->dims[i] < 0)
            return 0;
        n *= (size_t)t->dims[i];
    }
    return n;
}

bool lrp_tensor_known(const lrp_tensor *t)
{
    for (int i = 0; i < t->rank; i++)
        if (t->dims[i] < 0)
            return false;
    return true;
}

bool lrp_tensor_same_shape(const lrp_tensor *a, const lrp_tensor *b)
{
    if (a->rank != b->rank)
        return false;
    for (int i = 0; i < a->rank; i++)
        if (a->dims[i] != b->dims[i])
            return false;
    return true;
}

char *lrp_tensor_shape_str(const lrp_tensor *t, char *buf, size_t size)
{
    size_t len = 0;
    len += (size_t)snprintf(buf, size, "(");
    for (int i = 0; i < t->rank && len < size; i++) {
        const char *sep = i ? ", " : "";
        if (t->dims[i] < 0)
            len += (size_t)snprintf(buf + len, size - len, "%s?", sep);
        else
            len += (size_t)snprintf(buf + len, size - len, "%s%lld", sep,
                                    (long long)t->dims[i]);
    }
    if (len < size)
        snprintf(buf + len, size - len, t->rank == 1 ? ",)" : ")");
    return buf;
}

const char *lrp_dtype_name(lrp_dtype dtype)
{
    switch (dtype) {
    case LRP_FLOAT: return "float32";
    case LRP_INT64: return "int64";
    default: return "undefined";
    }
}

size_t lrp_dtype_size(lrp_dtype dtype)
{
    return dtype == LRP_INT64 ? 8 : 4;
}
