/* oneDNN as the convolution engine (meson -Ddnnl): the one seam between
 * onnx-lrp and oneDNN's C API. Activations stay (N,C,H,W) in onnx-lrp; each
 * call reorders into oneDNN's blocked layout and back. Per layer (weights,
 * shape, epilogue) the primitives and the weights packed for them are made
 * on first use and cached in an lrp_dnnl, which the caller owns; so are the
 * streams and memory objects the calls run them with.
 *
 * Threads: every oneDNN primitive runs single-threaded inside one task of
 * onnx-lrp's pool (parallel/pool.h). A conv is cut into tasks by image and
 * by 16-channel blocks, by shape and batch size alone, so its bits never
 * depend on --threads (oneDNN's own OpenMP threading does change them: see
 * docs/benchmarks.md), and no OpenMP thread ever spins at a barrier. */
#ifndef LRP_OPS_CONV_DNNL_H
#define LRP_OPS_CONV_DNNL_H

#include <stdbool.h>

#include "ops/conv.h"

typedef struct lrp_dnnl lrp_dnnl;

/* LRP_ERR_UNSUPPORTED when onnx-lrp was built without oneDNN. */
lrp_status lrp_dnnl_new(lrp_dnnl **out, lrp_error *err);
void lrp_dnnl_free(lrp_dnnl *d); /* NULL-safe */

/* Whether this build has oneDNN; its version and the instruction set its
 * kernels use on this CPU ("avx512_core", ...), or NULL without it. */
bool lrp_dnnl_built(void);
const char *lrp_dnnl_describe(void);

/* Precision bf16: the bf16 twin of d, the same convolutions reading bf16
 * copies of x (dy) and of the weights, accumulating and writing y (dx) in
 * f32; made on the first call, owned and freed by d. LRP_ERR_UNSUPPORTED
 * when oneDNN finds no AVX512_BF16 or AMX on this CPU (or without oneDNN),
 * as bf16_check says. bf16_twin: the twin made so far, or NULL. */
lrp_status lrp_dnnl_bf16(lrp_dnnl *d, lrp_dnnl **out, lrp_error *err);
lrp_status lrp_dnnl_bf16_check(lrp_error *err);
lrp_dnnl *lrp_dnnl_bf16_twin(const lrp_dnnl *d);

/* Floats of the scratch the two calls below need (0 without oneDNN). */
size_t lrp_dnnl_scratch_floats(const lrp_conv_shape *s);

/* While 'on' in the calling thread, the two calls below only name their
 * convs to d: they compute nothing, leave y and dx as they are and claim
 * every image done (lrp_dnnl_conv_blockable claims x and y). Returns what
 * it was. lrp_dnnl_make_planned then makes the primitives of every conv
 * named and not made yet, packing their weights, all at once on pool's
 * threads: made one by one, a batch of 8 (one part per image) packed on
 * one thread. A pass over the graph in this mode (lrp_model_warm_up,
 * lrp_explainer_warm_up) packs what the first real pass would otherwise
 * pack on the way; a conv named and not made is made on its first call. */
bool lrp_dnnl_set_planning(bool on);
void lrp_dnnl_make_planned(lrp_dnnl *d, lrp_pool *pool);

/* Channels per block of the blocked layout d keeps activations in
 * (lrp_dnnl_conv_blockable): 16, or 8 below AVX-512; 0 without oneDNN.
 * Image n's channel c, pixel p of a blocked (N,C,H,W) tensor is at
 * ((n C + c - c % block) H W + p block + c % block). */
int lrp_dnnl_block_channels(const lrp_dnnl *d);

/* Which of a forward conv's tensors may be in oneDNN's blocked layout
 * (lrp_epilogue's x_blocked, y_blocked, add_blocked): LRP_DNNL_X for x,
 * LRP_DNNL_Y for y and add; 0 when oneDNN has no primitive for it. Makes
 * the conv's primitives as its first call would. A blocked tensor is the
 * same size as (N,C,H,W), each image's after the one before. */
enum { LRP_DNNL_X = 1, LRP_DNNL_Y = 2 };
unsigned lrp_dnnl_conv_blockable(lrp_dnnl *d, const lrp_conv_shape *s, const float *w,
                                 bool bias, const lrp_epilogue *epi, lrp_pool *pool);

/* lrp_conv_forward / lrp_conv_backward_add (ops/conv.h) through oneDNN.
 * They return how many images (the first ones) they have done: all of
 * s->n, or fewer when oneDNN has no primitive for the shape (grouped
 * convs) or ran out of memory. The caller does the rest; the images not
 * done have nothing added to dx, and their y is to be written again
 * (which OpenBLAS cannot do for blocked tensors). They read w only to pack
 * it: on a conv's first call, or in lrp_dnnl_make_planned when the call
 * named it while planning; 'refill' runs first (NULL: w is readable). */
int64_t lrp_dnnl_conv_forward(lrp_dnnl *d, const lrp_conv_shape *s, const float *x,
                              const float *w, const float *b, float *y, const lrp_epilogue *epi,
                              float *scratch, lrp_pool *pool, const lrp_conv_refill *refill);
int64_t lrp_dnnl_conv_backward_add(lrp_dnnl *d, const lrp_conv_shape *s, const float *dy,
                                   const float *w, float *dx, float *scratch, lrp_pool *pool,
                                   const lrp_conv_refill *refill);

#endif
