/* What the passes after a forward pass need of an activation, per value:
 * nothing (its memory may be shared, or it may be fused away), its values
 * in (N,C,H,W), or its values in whatever layout the forward pass left it
 * in (oneDNN's blocked layout between convolutions, explain/layouts.h),
 * read element by element through lrp_rule_ctx's out_block. */
#ifndef LRP_GRAPH_KEEP_H
#define LRP_GRAPH_KEEP_H

typedef unsigned char lrp_keep;

/* ordered: marking a value keeps the strictest need */
enum { LRP_KEEP_NONE, LRP_KEEP_ANY_LAYOUT, LRP_KEEP_PLAIN };

static inline void lrp_keep_mark(lrp_keep *keep, int v, lrp_keep need)
{
    keep[v] = need > keep[v] ? need : keep[v];
}

#endif
