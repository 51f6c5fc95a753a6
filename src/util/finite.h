/* Refusing NaN and infinity where numbers enter: the kernels would not
 * carry them through (max(NaN, 0) is 0 in ReLU and MaxPool), so a map made
 * from such an input would look like an answer. */
#ifndef LRP_UTIL_FINITE_H
#define LRP_UTIL_FINITE_H

#include "lrp.h"

/* LRP_OK when every value of x (shape dims, rank entries, C order) is
 * finite; else LRP_ERR_ARG with a message "<what>: element (i, j, ...) is
 * NaN" naming the first offender. */
lrp_status lrp_check_finite(const float *x, int rank, const int64_t *dims, const char *what,
                            lrp_error *err);

#endif
