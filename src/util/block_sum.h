/* The float sums the relevance figures are made of: eight float lanes over
 * blocks of LRP_SUM_BLOCK floats, each block's lanes then added in order to a
 * double. Vectorizable and accurate to ~1e-7 relative; a kernel that writes
 * a buffer block by block adds each block up while it is still in cache and
 * gets the bits a later pass over the buffer would. */
#ifndef LRP_UTIL_BLOCK_SUM_H
#define LRP_UTIL_BLOCK_SUM_H

#include <stddef.h>

enum { LRP_SUM_BLOCK = 512, LRP_SUM_LANES = 8 };

/* total + the sum of v[0..n), n <= LRP_SUM_BLOCK; lane 0 takes the tail. */
static inline double lrp_sum_block(double total, const float *v, size_t n)
{
    float lane[LRP_SUM_LANES] = {0};
    size_t k = 0;
    for (; k + LRP_SUM_LANES <= n; k += LRP_SUM_LANES)
        for (int j = 0; j < LRP_SUM_LANES; j++)
            lane[j] += v[k + (size_t)j];
    for (; k < n; k++)
        lane[0] += v[k];
    for (int j = 0; j < LRP_SUM_LANES; j++)
        total += lane[j];
    return total;
}

/* The sum of v[0..n): its blocks from v on, in order. */
static inline double lrp_sum_floats(const float *v, size_t n)
{
    double total = 0.0;
    for (size_t start = 0; start < n; start += LRP_SUM_BLOCK)
        total = lrp_sum_block(total, v + start,
                              n - start < LRP_SUM_BLOCK ? n - start : LRP_SUM_BLOCK);
    return total;
}

/* One figure from the partial sums of a job's ranges, in range order. */
static inline double lrp_sum_parts(const double *part, int n)
{
    double total = 0.0;
    for (int r = 0; r < n; r++)
        total += part[r];
    return total;
}

#endif
