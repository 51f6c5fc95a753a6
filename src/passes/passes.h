/* Graph passes run once at load, in this order: resolve_identity before
 * linking, bind_ops after it, residual after shape inference; and
 * assign_rules once per explainer. */
#ifndef LRP_PASSES_PASSES_H
#define LRP_PASSES_PASSES_H

#include "graph/graph.h"
#include "graph/residual.h"
#include "graph/shapes.h"
#include "passes/infer_shapes.h"
#include "rules/presets.h"

/* Identity nodes that read an initializer (PyTorch's way of sharing a
 * weight) are removed and their readers pointed at the initializer. */
void lrp_pass_resolve_identity(lrp_graph *g);

/* Binds every node to its op in the op table (an op type it lacks is an
 * error naming the node), checks its input and output counts against the
 * op and parses its attributes into typed params. */
lrp_status lrp_pass_bind_ops(lrp_graph *g, lrp_error *err);


/* ---- residual split points ---- */

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

/* ---- the rule table ---- */

/* Everything the table is built from. */
typedef struct lrp_rule_inputs {
    const lrp_graph *g;
    const lrp_shapes *shapes; /* static shapes: which nodes are folded */
    const lrp_residual *residuals;
    int n_residuals;
    const lrp_preset *preset;
    const lrp_config *config; /* resolved: no "default" markers left */
    const float *low, *high;  /* zbox bounds */
    int n_bounds;
    int seed_value; /* where relevance starts (the logits) */
} lrp_rule_inputs;

/* rules[n_nodes]: which rule runs at each node, from the preset and each
 * op's relevance class; LRP_RULE_NONE off the relevance path. Fails naming
 * every on-path node whose op has no rule (at most a few, then "..."). */
lrp_status lrp_pass_assign_rules(const lrp_rule_inputs *ri, lrp_rule *rules, lrp_error *err);
#endif
