/* The machine's f32 FMA peak, the ceiling issue 13's convolution targets sit
 * under: 12 independent chains of AVX-512 FMAs per thread (enough to cover
 * the FMA latency on two ports), on 1 and on N threads, best of 3.
 *
 *   cc -O3 -fopenmp bench/fma_peak.c -o /tmp/fma_peak && /tmp/fma_peak [N]
 *
 * Prints GFLOP/s (2 per FMA lane); exits 2 where the CPU has no AVX-512 F. */
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { CHAINS = 12, LANES = 16 };

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* n rounds of CHAINS dependent FMAs; the sum, so that none is dropped */
__attribute__((target("avx512f"))) static float chains(long n)
{
    __m512 a[CHAINS], b = _mm512_set1_ps(1.0000001f), c = _mm512_set1_ps(1e-7f);
    for (int i = 0; i < CHAINS; i++)
        a[i] = _mm512_set1_ps((float)i);
    for (long k = 0; k < n; k++)
        for (int i = 0; i < CHAINS; i++)
            a[i] = _mm512_fmadd_ps(a[i], b, c);
    __m512 s = a[0];
    for (int i = 1; i < CHAINS; i++)
        s = _mm512_add_ps(s, a[i]);
    return _mm512_reduce_add_ps(s);
}

int main(int argc, char **argv)
{
    if (!__builtin_cpu_supports("avx512f")) {
        fprintf(stderr, "fma_peak: this CPU has no AVX-512 F\n");
        return 2;
    }
    int counts[2] = {1, argc > 1 ? atoi(argv[1]) : omp_get_num_procs()};
    long n = 200000000;
    volatile float sink = 0.0f; /* the sums are kept, so no FMA is dropped */
    for (int k = 0; k < (counts[1] > 1 ? 2 : 1); k++) {
        int threads = counts[k];
        double best = 0.0;
        for (int round = 0; round < 3; round++) {
            float sum = 0.0f;
            double t0 = now();
#pragma omp parallel num_threads(threads) reduction(+ : sum)
            sum += chains(n);
            double seconds = now() - t0;
            sink += sum;
            double gflops = (double)threads * (double)n * CHAINS * LANES * 2 / seconds * 1e-9;
            best = gflops > best ? gflops : best;
        }
        printf("%d thread%s: %.0f GFLOP/s (f32 FMA)\n", threads, threads > 1 ? "s" : "", best);
    }
    return 0;
}
