/* Element-wise loops built twice on x86-64, for AVX2 and for the baseline
 * (SSE2), the copy chosen when the program loads from what the CPU reports
 * (target_clones: an ifunc). Neither copy has FMA and each element's
 * operations stay IEEE single or double ones in the source's order, so both
 * give the same bits; AVX2 only does 8 of them at once instead of 4. */
#ifndef LRP_UTIL_SIMD_H
#define LRP_UTIL_SIMD_H

#if defined(__x86_64__) && defined(__GNUC__) && defined(__ELF__)
#define LRP_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define LRP_SIMD_CLONES
#endif

#endif
