/* Activations kept in oneDNN's blocked layout between convolutions, so that
 * neither the conv writing one nor the convs reading it reorder it (see
 * ops/conv_dnnl.h). By the graph, a value qualifies when a Conv's kernel
 * writes it (the end of its fused chain) and only Convs read it: as X, or
 * as the residual operand fused into them; never the input, an output or a
 * value kept LRP_KEEP_PLAIN (the rules read those as (N,C,H,W); a value
 * kept in any layout, a Relu's y for its gradient, may be blocked). By
 * oneDNN, when each of those convs has a primitive that takes it blocked. */
#ifndef LRP_EXPLAIN_LAYOUTS_H
#define LRP_EXPLAIN_LAYOUTS_H

#include "explain/fusion.h"
#include "graph/shapes.h"
#include "ops/conv_dnnl.h"

typedef struct lrp_layouts {
    bool *candidate;             /* per value: qualifies by the graph */
    bool *blocked;               /* per value: blocked when running on 'planned_for' */
    const lrp_dnnl *planned_for; /* NULL: not planned yet */
} lrp_layouts;

/* The candidates; packable[i]: node i's convs may run on oneDNN (constant
 * weights); keep as for lrp_forward_init. */
lrp_status lrp_layouts_init(lrp_layouts *l, const lrp_graph *g, const lrp_shapes *s,
                            const lrp_fusion *fu, const bool *packable, const lrp_keep *keep,
                            lrp_error *err);

/* 'blocked' for running on dnnl (non-NULL), with s's tensors allocated;
 * makes the convs' primitives on 'pool'. */
void lrp_layouts_plan(lrp_layouts *l, const lrp_graph *g, const lrp_shapes *s,
                      const lrp_fusion *fu, const bool *packable, lrp_pool *pool,
                      lrp_dnnl *dnnl);

void lrp_layouts_free(lrp_layouts *l); /* NULL-safe */

#endif
