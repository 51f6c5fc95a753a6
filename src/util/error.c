/* Status strings and message formatting for lrp_error. */
#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/text.h"

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

/* Names from a model file end up in messages: each message is escaped
 * once, here, so it is valid UTF-8 without control characters. */
lrp_status lrp_error_set(lrp_error *err, lrp_status status, const char *fmt, ...)
{
    if (err) {
        char raw[sizeof err->message];
        va_list ap;
        va_start(ap, fmt);
        err->status = status;
        vsnprintf(raw, sizeof raw, fmt, ap);
        va_end(ap);
        lrp_text_escape(err->message, sizeof err->message, raw);
    }
    return status;
}

void lrp_error_prefix(lrp_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    char old[sizeof err->message], raw[sizeof err->message];
    memcpy(old, err->message, sizeof old);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    lrp_text_escape(err->message, sizeof err->message, raw);
    size_t len = strlen(err->message);
    if (n < 0 || len + 2 >= sizeof err->message)
        return;
    memcpy(err->message + len, ": ", 2);
    len += 2;
    lrp_text_escape(err->message + len, sizeof err->message - len, old); /* cut whole */
}
