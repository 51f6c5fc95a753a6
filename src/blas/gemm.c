/* lrp_sgemm through OpenBLAS's cblas, and its plain-C reference. */
#include "blas/gemm.h"

#include <cblas.h>
#include <pthread.h>
#include <string.h>

void lrp_sgemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a,
               int lda, const float *b, int ldb, float beta, float *c, int ldc)
{
    if (m == 0 || n == 0)
        return;
    if (m == 1) { /* a dense layer on one image: OpenBLAS's sgemm would pack all of B first
                     (the ResNet-50 classifier's 8 MB, 1.4 ms), its sgemv reads B once */
        int a_step = trans_a ? lda : 1;
        if (beta == 0.0f) /* C is not read, as in sgemm, even when it holds NaN */
            memset(c, 0, (size_t)n * sizeof *c);
        if (trans_b) /* C = alpha B a + beta C, B (n, k) */
            cblas_sgemv(CblasRowMajor, CblasNoTrans, n, k, alpha, b, ldb, a, a_step, beta, c,
                        1);
        else /* C = alpha Bᵀ a + beta C, B (k, n) */
            cblas_sgemv(CblasRowMajor, CblasTrans, k, n, alpha, b, ldb, a, a_step, beta, c, 1);
        return;
    }
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c,
                ldc);
}

void lrp_blas_set_threads(int threads)
{
    openblas_set_num_threads(threads);
}

static void blas_single(void)
{
    openblas_set_num_threads(1);
}

void lrp_blas_init(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, blas_single);
}

const char *lrp_blas_describe(void)
{
    return openblas_get_config(); /* names the kernels' CPU, e.g. "... SkylakeX ..." */
}

void lrp_sgemm_ref(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a,
                   int lda, const float *b, int ldb, float beta, float *c, int ldc)
{
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
            double acc = 0.0;
            for (int p = 0; p < k; p++) {
                float av = trans_a ? a[(long)p * lda + i] : a[(long)i * lda + p];
                float bv = trans_b ? b[(long)j * ldb + p] : b[(long)p * ldb + j];
                acc += (double)av * bv;
            }
            float *cij = &c[(long)i * ldc + j];
            *cij = (float)(alpha * acc + (beta == 0.0f ? 0.0 : (double)beta * *cij));
        }
    }
}
