/* Mean and standard error, two-pass so a large common offset does not
 * cancel digits in the variance; the paired comparison of two methods. */
#include "eval/stats.h"

#include <math.h>
#include <stdlib.h>

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

/* P(X <= k) for X ~ Binomial(m, 1/2), summed in logs (m may be thousands). */
static double binomial_half_cdf(int k, int m)
{
    double p = 0.0;
    for (int i = 0; i <= k; i++)
        p += exp(lgamma(m + 1.0) - lgamma(i + 1.0) - lgamma(m - i + 1.0) - m * log(2.0));
    return p;
}

lrp_paired lrp_paired_compare(const double *a, const double *b, int n)
{
    lrp_paired r = {0};
    double *d = malloc(sizeof *d * (size_t)(n > 0 ? n : 1));
    for (int i = 0; i < n; i++) {
        double di = a[i] - b[i];
        r.wins += di > 0;
        r.losses += di < 0;
        r.ties += di == 0;
        if (d)
            d[i] = di;
    }
    if (d)
        lrp_mean_se(d, n, &r.mean, &r.se);
    else
        r.mean = r.se = NAN;
    free(d);
    int m = r.wins + r.losses, k = r.wins < r.losses ? r.wins : r.losses;
    r.sign_p = m ? fmin(1.0, 2.0 * binomial_half_cdf(k, m)) : 1.0;
    return r;
}
