/* Eight floats (or int32) at once as GCC's and clang's generic vectors,
 * which each target_clones copy (util/simd.h) lowers to what it has: one
 * AVX2 register or two SSE2 ones. For kernels whose state must stay in
 * registers across a loop the auto-vectorizer does not take, such as a
 * running maximum over a window's taps (ops/maxpool.c, rules/pool_kernels.c).
 * The helpers take pointers, not vectors: GCC warns that passing a 32-byte
 * vector by value without AVX changes the ABI; inlined, they cost nothing. */
#ifndef LRP_UTIL_VEC8_H
#define LRP_UTIL_VEC8_H

#include <stdint.h>
#include <string.h>

typedef float lrp_v8sf __attribute__((vector_size(32)));
typedef int32_t lrp_v8si __attribute__((vector_size(32)));

/* *v = p[0], p[s], ..., p[7 s], reading no float past p[7 s]. */
static inline void lrp_v8sf_load(lrp_v8sf *v, const float *p, int64_t s)
{
    if (s == 1) {
        memcpy(v, p, sizeof *v);
    } else if (s == 2) { /* p[0..7] and p[7..14]: the even ones of each */
        lrp_v8sf a, b;
        memcpy(&a, p, sizeof a);
        memcpy(&b, p + 7, sizeof b);
        *v = __builtin_shufflevector(a, b, 0, 2, 4, 6, 9, 11, 13, 15);
    } else {
        *v = (lrp_v8sf){p[0], p[s], p[2 * s], p[3 * s], p[4 * s], p[5 * s], p[6 * s], p[7 * s]};
    }
}

/* Lane-wise: where *v > *best (never for NaN), *best = *v and *won is all
 * ones; elsewhere *best stays (so on ties the earlier value stays) and
 * *won is 0. */
static inline void lrp_v8sf_take_greater(lrp_v8sf *best, lrp_v8si *won, const lrp_v8sf *v)
{
    *won = *v > *best;
    *best = (lrp_v8sf)(((lrp_v8si)*v & *won) | ((lrp_v8si)*best & ~*won));
}

/* Lane-wise: *at = *idx where *won, else unchanged. */
static inline void lrp_v8si_take(lrp_v8si *at, const lrp_v8si *won, const lrp_v8si *idx)
{
    *at = (*idx & *won) | (*at & ~*won);
}

#endif
