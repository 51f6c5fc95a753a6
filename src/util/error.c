/* Status strings and message formatting for lrp_error. */
#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *lrp_status_str(lrp_status status)
{
    switch (status) {
    case LRP_OK: return "ok";
    case LRP_ERR_IO: return "i/o error";
    case LRP_ERR_PARSE: return "parse error";
    case LRP_ERR_UNSUPPORTED: return "unsupported";
    case LRP_ERR_SHAPE: return "shape error";
    case LRP_ERR_GRAPH: return "graph error";
    case LRP_ERR_ARG: return "bad argument";
    case LRP_ERR_NOMEM: return "out of memory";
    case LRP_ERR_LIMIT: return "limit exceeded";
    }
    return "unknown status";
}

lrp_status lrp_error_set(lrp_error *err, lrp_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->status = status;
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return status;
}

void lrp_error_prefix(lrp_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    char old[sizeof err->message];
    memcpy(old, err->message, sizeof old);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : (size_t)n;
    if (len + 2 >= sizeof err->message)
        return;
    memcpy(err->message + len, ": ", 2);
    len += 2;
    size_t room = sizeof err->message - len - 1, old_len = strlen(old);
    size_t take = old_len < room ? old_len : room;
    memcpy(err->message + len, old, take);
    err->message[len + take] = '\0';
}
