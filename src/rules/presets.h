/* Presets (method §5) and the rule table: which rule runs at which node,
 * built once per explainer from a preset and the user's overrides. */
#ifndef LRP_RULES_PRESETS_H
#define LRP_RULES_PRESETS_H

#include "graph/shapes.h"
#include "rules/rules.h"

typedef enum lrp_rule_id {
    LRP_ID_EPSILON,
    LRP_ID_ZPLUS,
    LRP_ID_ALPHA_BETA,
    LRP_ID_GAMMA,
    LRP_ID_FLAT,
    LRP_ID_ZBOX,
    LRP_ID_PAPER,
    LRP_ID_PAPER_FIRST,
} lrp_rule_id;

/* What the reverse pass computes, and what is done with it at the input. */
typedef enum lrp_method {
    LRP_METHOD_LRP,              /* relevance rules */
    LRP_METHOD_GRADIENT,         /* the plain gradient of the target logit */
    LRP_METHOD_GRADIENT_X_INPUT, /* gradient ⊙ input */
    LRP_METHOD_GRAD_CAM,         /* Grad-CAM at the input of the last global pooling */
} lrp_method;

typedef struct lrp_preset {
    const char *name;
    const char *zennit; /* zennit's name for the same method, accepted too; or NULL */
    lrp_method method;
    lrp_rule_id first, conv, dense; /* "first" = first Conv/Gemm from the input */
    lrp_split split;
    lrp_init init;
    bool fold_bn;     /* BN folded into the Conv before it (zennit's canonizer) */
    bool paper_pools; /* MaxPool -> 2x2 average rule; pools with unsigned eps */
    lrp_stab stab;
} lrp_preset;

/* The preset called 'name' (its own name or zennit's), or NULL. */
const lrp_preset *lrp_preset_find(const char *name);
/* Does the preset's method define conservation (method §9)? The LRP
 * presets do; the gradient baselines do not. */
bool lrp_preset_defines_conservation(const lrp_preset *p);

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

/* rules[n_nodes]: LRP_RULE_NONE off the relevance path. Fails naming every
 * on-path node whose op has no rule (at most a few, then "..."). */
lrp_status lrp_rules_build(const lrp_rule_inputs *ri, lrp_rule *rules, lrp_error *err);
void lrp_rules_free(lrp_rule *rules, int n_nodes);

#endif
