#include "util/finite.h"

#include <float.h>
#include <math.h>
#include <stdio.h>

#include "util/error.h"

/* The index of x's first element that is NaN or infinite, else n. Blocks
 * are scanned whole by a loop that vectorizes (every forward pass checks
 * its input: evaluate's curves are thousands of them), and only a block
 * that fails is searched element by element. */
static size_t first_not_finite(const float *x, size_t n)
{
    enum { BLOCK = 256 };
    for (size_t b = 0; b < n; b += BLOCK) {
        size_t e = n - b < BLOCK ? n : b + BLOCK;
        int bad = 0;
        for (size_t i = b; i < e; i++)
            bad |= !(fabsf(x[i]) <= FLT_MAX); /* NaN compares false */
        for (size_t i = b; bad && i < e; i++)
            if (!isfinite(x[i]))
                return i;
    }
    return n;
}

lrp_status lrp_check_finite(const float *x, int rank, const int64_t *dims, const char *what,
                            lrp_error *err)
{
    size_t n = 1;
    for (int i = 0; i < rank; i++)
        n *= (size_t)dims[i];
    size_t bad = first_not_finite(x, n);
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
