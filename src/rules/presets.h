/* Presets (method §5): which rule family each kind of layer gets, as data;
 * passes/assign_rules.c turns one into the rule table. */
#ifndef LRP_RULES_PRESETS_H
#define LRP_RULES_PRESETS_H

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

#endif
