/* Fusing element-wise nodes into the kernel of the node before them: a
 * Relu after a Conv or an Add, and a residual Add after a Conv (the other
 * operand added before the ReLU). A value inside such a chain is never
 * stored, so it must have no other reader: one consumer, not a graph
 * output, not kept for the relevance rules. Saves a pass over memory per
 * fused node, done while the conv's tile is still in cache. */
#ifndef LRP_EXPLAIN_FUSION_H
#define LRP_EXPLAIN_FUSION_H

#include "graph/keep.h"
#include "graph/shapes.h"

typedef struct lrp_fusion {
    int *done_by;   /* per node: the node whose kernel does its work, or -1 */
    int *out_value; /* per node: the value its kernel writes (its own output 0
                       unless a chain was fused into it) */
    int *add_value; /* per node: the operand its epilogue adds, or -1 */
    bool *relu;     /* per node: its epilogue applies max(0, .) */
    bool *hidden;   /* per value: inside a chain, never computed on its own */
} lrp_fusion;

/* Plans the chains for shapes s (folded nodes excluded). keep[v] (NULL =
 * none) marks values that must be stored; pos[i] is node i's step. */
lrp_status lrp_fusion_plan(lrp_fusion *fu, const lrp_graph *g, const lrp_shapes *s,
                           const lrp_keep *keep, const int *pos, lrp_error *err);

void lrp_fusion_free(lrp_fusion *fu); /* NULL-safe */

#endif
