/* Error reporting helpers shared by the library: set a status with a
 * formatted message, and overflow-checked size arithmetic. */
#ifndef LRP_UTIL_ERROR_H
#define LRP_UTIL_ERROR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lrp.h"

#if defined(__GNUC__)
#define LRP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define LRP_PRINTF(f, a)
#endif

/* Fills err (may be NULL) with status and message; returns status. */
lrp_status lrp_error_set(lrp_error *err, lrp_status status, const char *fmt, ...)
    LRP_PRINTF(3, 4);

/* Puts "prefix: " in front of an existing message (e.g. the file name). */
void lrp_error_prefix(lrp_error *err, const char *fmt, ...) LRP_PRINTF(2, 3);

/* *out = a * b; false when it overflows size_t. */
static inline bool lrp_mul_size(size_t a, size_t b, size_t *out)
{
    if (b != 0 && a > SIZE_MAX / b)
        return false;
    *out = a * b;
    return true;
}

#endif
