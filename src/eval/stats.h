/* Summaries over images for the evaluation table: mean and standard error. */
#ifndef LRP_EVAL_STATS_H
#define LRP_EVAL_STATS_H

/* *mean = the mean of v (n); *se = the sample standard deviation (n - 1 in
 * the denominator) over sqrt(n), 0 when n < 2. n < 1: both 0. Either output
 * may be NULL. */
void lrp_mean_se(const double *v, int n, double *mean, double *se);

#endif /* LRP_EVAL_STATS_H */
