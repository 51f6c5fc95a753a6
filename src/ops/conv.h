/* 2-D convolution kernels (im2col + the GEMM seam), shared by the Conv op
 * and by the relevance rules, which run the same convolution with modified
 * weights and its transpose. */
#ifndef LRP_OPS_CONV_H
#define LRP_OPS_CONV_H

#include "ops/op.h"
#include "ops/window.h"
#include "parallel/pool.h"

typedef struct lrp_dnnl lrp_dnnl; /* ops/conv_dnnl.h */

typedef struct lrp_conv_shape {
    int64_t n, c_in, c_out, group;
    lrp_geom g;
} lrp_conv_shape;

/* The shape of node n's convolution for inputs X (N,C,H,W), W (M,C/g,kH,kW). */
lrp_status lrp_conv_shape_of(const lrp_node *n, const lrp_tensor *x, const lrp_tensor *w,
                             lrp_conv_shape *s, lrp_error *err);

/* How the kernels below make w readable just before they read w itself:
 * w may be pages given back once oneDNN holds them packed (rules/weights.c,
 * lazy). fn(ctx) runs on the calling thread before oneDNN packs w for a
 * conv it has not made yet, and before OpenBLAS does the images oneDNN did
 * not (all, without oneDNN); never when oneDNN did them all from its
 * packed copy. Maybe twice in one call, and at once in forks that share w:
 * it must allow both. NULL: w is readable. */
typedef struct lrp_conv_refill {
    void (*fn)(void *ctx);
    void *ctx;
} lrp_conv_refill;

static inline void lrp_conv_refill_run(const lrp_conv_refill *r)
{
    if (r)
        r->fn(r->ctx);
}

/* Floats of scratch the two kernels below need. They split each image's
 * work into tasks on 'pool' (NULL: the calling thread only); the result is
 * the same for any number of threads. With 'dnnl' (NULL: the OpenBLAS
 * kernels) they run on oneDNN, whose bits differ from OpenBLAS's. */
size_t lrp_conv_scratch_floats(const lrp_conv_shape *s);

/* y (N,M,OH,OW) = conv(x (N,C,H,W), w (M,C/g,kH,kW)) + b (M), then the
 * epilogue (NULL: none) element for element; b may be NULL. False when
 * oneDNN could not finish (out of memory) on tensors the epilogue keeps in
 * its blocked layout, which OpenBLAS cannot read: y is then NaN. */
bool lrp_conv_forward(const lrp_conv_shape *s, const float *x, const float *w, const float *b,
                      float *y, const lrp_epilogue *epi, float *scratch, lrp_pool *pool,
                      lrp_dnnl *dnnl, const lrp_conv_refill *refill);

/* dx (N,C,H,W) += conv_transpose(dy (N,M,OH,OW), w): the gradient of the
 * convolution with respect to its input, zero padding included. */
void lrp_conv_backward_add(const lrp_conv_shape *s, const float *dy, const float *w, float *dx,
                           float *scratch, lrp_pool *pool, lrp_dnnl *dnnl,
                           const lrp_conv_refill *refill);

#endif
