/* Gemm's attributes, shared with the relevance rules. */
#ifndef LRP_OPS_GEMM_H
#define LRP_OPS_GEMM_H

#include <stdint.h>

typedef struct lrp_gemm_params {
    float alpha, beta;
    int64_t trans_a, trans_b;
} lrp_gemm_params;

#endif
