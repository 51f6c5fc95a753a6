/* Element-wise loops built twice on x86-64, for AVX2 and for the baseline
 * (SSE2), the copy chosen when the program loads from what the CPU reports
 * (target_clones: an ifunc). Neither copy has FMA and each element's
 * operations stay IEEE single or double ones in the source's order, so both
 * give the same bits; AVX2 only does 8 of them at once instead of 4. */
#ifndef LRP_UTIL_SIMD_H
#define LRP_UTIL_SIMD_H

/* ThreadSanitizer instruments the ifunc resolver, which runs before its
 * runtime is up: one copy there. */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LRP_NO_CLONES
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define LRP_NO_CLONES
#endif

#if defined(__x86_64__) && defined(__GNUC__) && defined(__ELF__) && !defined(LRP_NO_CLONES)
#define LRP_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define LRP_SIMD_CLONES
#endif

#endif
