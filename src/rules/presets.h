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
    LRP_ID_WSQUARE,
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

/* What a gradient method's reverse pass does at a Relu (method §3, §11). */
typedef enum lrp_relu_grad {
    LRP_RELU_GRADIENT, /* R [x > 0], the true gradient */
    LRP_RELU_GUIDED,   /* R [x > 0] [R > 0]: Guided Backprop (zennit ReLUGuidedBackprop) */
    LRP_RELU_DECONV,   /* R⁺: DeconvNet (zennit ReLUDeconvNet) */
} lrp_relu_grad;

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
    lrp_relu_grad relu; /* gradient methods: the Relu's backward */
} lrp_preset;

/* The preset called 'name' (its own name or zennit's), or NULL. */
const lrp_preset *lrp_preset_find(const char *name);
/* The z-rule of a rule id, with the alpha and beta of alpha-beta. */
lrp_zrule lrp_zrule_of(lrp_rule_id id, float alpha, float beta, lrp_stab stab);
/* The rule id of a z-rule a first layer may be given by its name
 * (lrp_config.first_rule: the rule's own name, as reports show it), or -1. */
int lrp_first_rule_from_name(const char *name);
/* Those names, "epsilon, zplus, ...", into buf as snprintf writes. */
void lrp_first_rule_list(char *buf, size_t size);
/* Does the preset's method define conservation (method §9)? The LRP
 * presets do; the gradient baselines do not. */
bool lrp_preset_defines_conservation(const lrp_preset *p);

#endif
