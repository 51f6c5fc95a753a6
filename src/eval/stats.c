/* Mean and standard error, two-pass so a large common offset does not
 * cancel digits in the variance. */
#include "eval/stats.h"

#include <math.h>

void lrp_mean_se(const double *v, int n, double *mean, double *se)
{
    double m = 0.0, ss = 0.0;
    for (int i = 0; i < n; i++)
        m += v[i];
    m = n > 0 ? m / n : 0.0;
    for (int i = 0; i < n; i++)
        ss += (v[i] - m) * (v[i] - m);
    if (mean)
        *mean = m;
    if (se)
        *se = n >= 2 ? sqrt(ss / (n - 1)) / sqrt((double)n) : 0.0;
}
