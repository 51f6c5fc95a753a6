/* The one seam for heavy maths: row-major single-precision GEMM,
 * C(m,n) = alpha * op(A)(m,k) * op(B)(k,n) + beta * C. lrp_sgemm goes to
 * cblas_sgemm; lrp_sgemm_ref is the plain-C reference the tests compare. */
#ifndef LRP_BLAS_GEMM_H
#define LRP_BLAS_GEMM_H

#include <stdbool.h>

void lrp_sgemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a,
               int lda, const float *b, int ldb, float beta, float *c, int ldc);

/* Threads the BLAS itself may use per call. The CLI sets 1: onnx-lrp's own
 * workers (parallel/pool.h) call lrp_sgemm, each on its own tile. */
void lrp_blas_set_threads(int threads);

/* Sets the BLAS single-threaded, once per process: loading a model calls it,
 * so no caller of the library has to (lrp_blas_set_threads still can). */
void lrp_blas_init(void);
/* The BLAS, its build and the kernels it chose for this CPU. */
const char *lrp_blas_describe(void);

void lrp_sgemm_ref(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a,
                   int lda, const float *b, int ldb, float beta, float *c, int ldc);

#endif
