/* The forward executor: shapes bound to one input, one arena holding every
 * activation (the relevance rules read them afterwards), one scratch. */
#ifndef LRP_EXPLAIN_FORWARD_H
#define LRP_EXPLAIN_FORWARD_H

#include "explain/fusion.h"
#include "explain/layouts.h"
#include "graph/shapes.h"
#include "ops/op.h"

typedef struct lrp_forward {
    const lrp_graph *g;
    lrp_shapes values; /* the activations: shapes concrete, t[v].data in the arena */
    float *arena;
    size_t arena_floats;
    size_t kept_floats;  /* of the activations live to the end (kept), unaligned */
    lrp_forward_ctx ctx; /* what the kernels get besides their tensors */
    lrp_fusion fusion;   /* Relu/Add nodes done by the kernel before them */
    bool *packable;      /* per node: its weights are constants, which oneDNN packs once */
    lrp_layouts layouts; /* activations kept blocked between oneDNN's convs */
    lrp_dnnl *ran_on;    /* the last run's oneDNN convolutions, NULL: OpenBLAS */
} lrp_forward;

/* Infers shapes for an input of 'dims' and allocates activations and
 * scratch, refusing (LRP_ERR_LIMIT) when they would exceed max_bytes.
 * keep[v] (per value; NULL = none) marks activations that must survive the
 * run, besides the input and outputs; the others share memory once their
 * last consumer has run. */
lrp_status lrp_forward_init(lrp_forward *f, const lrp_graph *g, int rank, const int64_t *dims,
                            const lrp_keep *keep, size_t max_bytes, lrp_error *err);

/* Runs every node that inference did not fold; input has the bound shape.
 * Kernels split their work on 'pool' (NULL: this thread only); convs run
 * on 'dnnl' (NULL: OpenBLAS). Fails only when a conv could not finish
 * (oneDNN out of memory on a blocked tensor): the values are then void. */
lrp_status lrp_forward_run(lrp_forward *f, const float *input, lrp_pool *pool, lrp_dnnl *dnnl,
                           lrp_error *err);

/* The Convs of lrp_forward_run with oneDNN planning (see
 * lrp_dnnl_set_planning): each names its primitives, none computes, and
 * then all are made and their weights packed at once on 'pool'. */
void lrp_forward_warm_up(lrp_forward *f, lrp_pool *pool, lrp_dnnl *dnnl);

/* The activation of value v after a run (valid for kept values only: the
 * others may share memory, or never be stored when fused away). */
static inline const lrp_tensor *lrp_forward_value(const lrp_forward *f, int v)
{
    return &f->values.t[v];
}

/* Channels per block of value v's layout after the last run: 0 for
 * (N,C,H,W), else oneDNN's blocked layout (lrp_dnnl_block_channels). A
 * kept value is blocked only where it was kept LRP_KEEP_ANY_LAYOUT. */
int lrp_forward_block(const lrp_forward *f, int v);

void lrp_forward_free(lrp_forward *f); /* NULL-safe */

#endif
