/* Graph passes run once at load, in this order: resolve_identity before
 * linking, bind_ops after it, residual after shape inference. */
#ifndef LRP_PASSES_PASSES_H
#define LRP_PASSES_PASSES_H

#include "graph/graph.h"
#include "graph/shapes.h"

/* Identity nodes that read an initializer (PyTorch's way of sharing a
 * weight) are removed and their readers pointed at the initializer. */
void lrp_pass_resolve_identity(lrp_graph *g);

/* Checks every node's input and output counts against its op and parses
 * its attributes into typed params. */
lrp_status lrp_pass_bind_ops(lrp_graph *g, lrp_error *err);



/* ---- residual split points ---- */

typedef enum lrp_shortcut_kind {
    LRP_SHORTCUT_IDENTITY,   /* S is the block input B itself */
    LRP_SHORTCUT_PROJECTION, /* S = a chain of per-sample linear ops on B (method §8) */
} lrp_shortcut_kind;

typedef struct lrp_residual {
    int node;          /* the Add */
    int mainstream;    /* value M: the residual branch, which leads back to B */
    int shortcut;      /* value S */
    int block_input;   /* value B */
    int shortcut_conv; /* the projection chain's last Conv, -1 for identity or none */
    lrp_shortcut_kind kind;
} lrp_residual;

/* An Add of two activations (float values computed from the input, per
 * the shapes inferred at load) that is no residual split point. */
typedef struct lrp_plain_add {
    int node;     /* the Add */
    char *reason; /* why, naming its operands (escaped text); owned */
} lrp_plain_add;

/* Finds every Add where a skip connection meets a residual branch (method
 * §8): the shortcut operand is B, a value with two or more consumers, or a
 * chain of Conv, BatchNormalization, AveragePool, Pad and Slice from such a
 * B, each value on it read by the chain alone; the other operand leads back
 * to B on a path through a Relu or Clip. Operand order is never relied on. Every other
 * Add of two activations goes to *plain with the reason. *out and *plain
 * are malloc'd (caller frees: free, lrp_plain_adds_free). */
lrp_status lrp_pass_residual(const lrp_graph *g, const lrp_shapes *shapes, lrp_residual **out,
                             int *count, lrp_plain_add **plain, int *n_plain, lrp_error *err);
void lrp_plain_adds_free(lrp_plain_add *plain, int n_plain);
#endif
