/* Summaries over images for the evaluation table: mean and standard error. */
#ifndef LRP_EVAL_STATS_H
#define LRP_EVAL_STATS_H

/* *mean = the mean of v (n); *se = the sample standard deviation (n - 1 in
 * the denominator) over sqrt(n), 0 when n < 2. n < 1: both 0. Either output
 * may be NULL. */
void lrp_mean_se(const double *v, int n, double *mean, double *se);

/* Method a against method b on the same n images, from their per-image
 * scores (ID): the difference d_i = a_i - b_i as mean ± standard error
 * (lrp_mean_se), and the two-sided sign test: with w images where a wins
 * (d > 0) and l where it loses (d < 0), ties dropped, m = w + l,
 * p = min(1, 2 P(X <= min(w, l))) for X ~ Binomial(m, 1/2); 1 when m = 0. */
typedef struct lrp_paired {
    double mean, se;
    int wins, losses, ties;
    double sign_p;
} lrp_paired;

lrp_paired lrp_paired_compare(const double *a, const double *b, int n);

#endif /* LRP_EVAL_STATS_H */
