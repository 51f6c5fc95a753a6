#include "util/finite.h"

#include <math.h>
#include <stdio.h>

#include "util/error.h"

lrp_status lrp_check_finite(const float *x, int rank, const int64_t *dims, const char *what,
                            lrp_error *err)
{
    size_t n = 1;
    for (int i = 0; i < rank; i++)
        n *= (size_t)dims[i];
    size_t bad = 0;
    while (bad < n && isfinite(x[bad]))
        bad++;
    if (bad == n)
        return LRP_OK;
    char index[LRP_MAX_RANK * 22 + 4] = "(";
    size_t len = 1, rest = bad, stride = n;
    for (int i = 0; i < rank; i++) {
        stride /= (size_t)dims[i];
        len += (size_t)snprintf(index + len, sizeof index - len, "%s%zu", i ? ", " : "",
                                rest / stride);
        rest %= stride;
    }
    snprintf(index + len, sizeof index - len, ")");
    return lrp_error_set(err, LRP_ERR_ARG, "%s: element %s is %s; inputs must be finite", what,
                         index,
                         isnan(x[bad]) ? "NaN"
                         : x[bad] > 0  ? "+inf"
                                       : "-inf");
}
