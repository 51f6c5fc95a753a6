/* The presets as a table, and the names of the residual splits (data only:
 * passes/assign_rules.c reads them to choose each node's rule). */
#include "rules/presets.h"

#include <stdio.h>
#include <string.h>

#include "util/name_list.h"

/* clang-format off */
#define ZENNIT_STAB {false, 1e-6f}

static const lrp_preset presets[] = {
    {"epsilon-plus-flat", "EpsilonPlusFlat", LRP_METHOD_LRP, LRP_ID_FLAT, LRP_ID_ZPLUS,
     LRP_ID_EPSILON, LRP_SPLIT_PROPORTIONAL, LRP_INIT_ONE, true, false, ZENNIT_STAB,
     LRP_RELU_GRADIENT},
    {"epsilon-plus", "EpsilonPlus", LRP_METHOD_LRP, LRP_ID_ZPLUS, LRP_ID_ZPLUS, LRP_ID_EPSILON,
     LRP_SPLIT_PROPORTIONAL, LRP_INIT_ONE, true, false, ZENNIT_STAB, LRP_RELU_GRADIENT},
    {"epsilon-alpha2-beta1", "EpsilonAlpha2Beta1", LRP_METHOD_LRP, LRP_ID_ALPHA_BETA,
     LRP_ID_ALPHA_BETA, LRP_ID_EPSILON, LRP_SPLIT_PROPORTIONAL, LRP_INIT_ONE, true, false,
     ZENNIT_STAB, LRP_RELU_GRADIENT},
    {"epsilon-alpha2-beta1-flat", "EpsilonAlpha2Beta1Flat", LRP_METHOD_LRP, LRP_ID_FLAT,
     LRP_ID_ALPHA_BETA, LRP_ID_EPSILON, LRP_SPLIT_PROPORTIONAL, LRP_INIT_ONE, true, false,
     ZENNIT_STAB, LRP_RELU_GRADIENT},
    {"epsilon-gamma-box", "EpsilonGammaBox", LRP_METHOD_LRP, LRP_ID_ZBOX, LRP_ID_GAMMA,
     LRP_ID_EPSILON, LRP_SPLIT_PROPORTIONAL, LRP_INIT_ONE, true, false, ZENNIT_STAB,
     LRP_RELU_GRADIENT},
    /* LRP-ε on every layer (Bach et al. 2015), the paper's "LRP" row done with
     * zennit's canonizer and Sum rule (method §5: how Captum's differs) */
    {"epsilon", NULL, LRP_METHOD_LRP, LRP_ID_EPSILON, LRP_ID_EPSILON, LRP_ID_EPSILON,
     LRP_SPLIT_PROPORTIONAL, LRP_INIT_ONE, true, false, ZENNIT_STAB, LRP_RELU_GRADIENT},
    {"otsuki2024", NULL, LRP_METHOD_LRP, LRP_ID_PAPER_FIRST, LRP_ID_PAPER, LRP_ID_PAPER,
     LRP_SPLIT_RATIO, LRP_INIT_SOFTMAX, false, true, {true, 1e-5f}, LRP_RELU_GRADIENT},
    /* baselines: the gradient through the same executor */
    {"gradient", "Gradient", LRP_METHOD_GRADIENT, LRP_ID_EPSILON, LRP_ID_EPSILON,
     LRP_ID_EPSILON, LRP_SPLIT_PROPORTIONAL, LRP_INIT_ONE, true, false, ZENNIT_STAB,
     LRP_RELU_GRADIENT},
    {"gradient-x-input", NULL, LRP_METHOD_GRADIENT_X_INPUT, LRP_ID_EPSILON, LRP_ID_EPSILON,
     LRP_ID_EPSILON, LRP_SPLIT_PROPORTIONAL, LRP_INIT_ONE, true, false, ZENNIT_STAB,
     LRP_RELU_GRADIENT},
    {"guided-backprop", "GuidedBackprop", LRP_METHOD_GRADIENT, LRP_ID_EPSILON, LRP_ID_EPSILON,
     LRP_ID_EPSILON, LRP_SPLIT_PROPORTIONAL, LRP_INIT_ONE, true, false, ZENNIT_STAB,
     LRP_RELU_GUIDED},
    {"deconvnet", "DeconvNet", LRP_METHOD_GRADIENT, LRP_ID_EPSILON, LRP_ID_EPSILON,
     LRP_ID_EPSILON, LRP_SPLIT_PROPORTIONAL, LRP_INIT_ONE, true, false, ZENNIT_STAB,
     LRP_RELU_DECONV},
    {"grad-cam", NULL, LRP_METHOD_GRAD_CAM, LRP_ID_EPSILON, LRP_ID_EPSILON, LRP_ID_EPSILON,
     LRP_SPLIT_PROPORTIONAL, LRP_INIT_ONE, true, false, ZENNIT_STAB, LRP_RELU_GRADIENT},
};
/* clang-format on */

#define N_PRESETS (sizeof presets / sizeof *presets)

static const char *const split_names[] = {"proportional", "ratio", "symmetric",
                                          "ratio-projection-only", "symmetric-projection-only"};

#define N_SPLITS (int)(sizeof split_names / sizeof *split_names)

int lrp_split_from_name(const char *name)
{
    for (int i = 0; i < N_SPLITS; i++)
        if (strcmp(name, split_names[i]) == 0)
            return i;
    return -1;
}

const char *lrp_split_name(lrp_split split)
{
    return (int)split >= 0 && (int)split < N_SPLITS ? split_names[split] : NULL;
}

/* The z-rules lrp_config.first_rule may name (the paper's are not among them). */
static const lrp_rule_id first_rules[] = {LRP_ID_EPSILON, LRP_ID_ZPLUS, LRP_ID_ALPHA_BETA,
                                          LRP_ID_GAMMA,   LRP_ID_FLAT,  LRP_ID_WSQUARE,
                                          LRP_ID_ZBOX};

#define N_FIRST_RULES (sizeof first_rules / sizeof *first_rules)

static const char *first_rule_name(int i)
{
    if (i < 0 || (size_t)i >= N_FIRST_RULES)
        return NULL;
    return lrp_zrule_of(first_rules[i], 2.0f, 1.0f, (lrp_stab)ZENNIT_STAB).name;
}

int lrp_first_rule_from_name(const char *name)
{
    for (int i = 0; name && first_rule_name(i); i++)
        if (strcmp(first_rule_name(i), name) == 0)
            return (int)first_rules[i];
    return -1;
}

void lrp_first_rule_list(char *buf, size_t size)
{
    lrp_name_list(buf, size, first_rule_name);
}

const lrp_preset *lrp_preset_find(const char *name)
{
    for (size_t i = 0; name && i < N_PRESETS; i++)
        if (strcmp(presets[i].name, name) == 0 ||
            (presets[i].zennit && strcmp(presets[i].zennit, name) == 0))
            return &presets[i];
    return NULL;
}

bool lrp_preset_defines_conservation(const lrp_preset *p)
{
    return p->method == LRP_METHOD_LRP;
}

const char *lrp_preset_lookup(const char *name)
{
    const lrp_preset *p = lrp_preset_find(name);
    return p ? p->name : NULL;
}

size_t lrp_preset_list(char *buf, size_t size)
{
    size_t len = 0;
    if (size > 0)
        buf[0] = '\0';
    for (size_t i = 0; i < N_PRESETS; i++) {
        const lrp_preset *p = &presets[i];
        int n = snprintf(len < size ? buf + len : NULL, len < size ? size - len : 0,
                         p->zennit ? "%s%s (%s)" : "%s%s", i ? ", " : "", p->name, p->zennit);
        len += n > 0 ? (size_t)n : 0;
    }
    return len;
}
