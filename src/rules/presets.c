/* The presets as a table, and the names of the residual splits (data only:
 * passes/assign_rules.c reads them to choose each node's rule). */
#include "rules/presets.h"

#include <stdio.h>
#include <string.h>

/* clang-format off */
#define ZENNIT_STAB {false, 1e-6f}

static const lrp_preset presets[] = {
    {"epsilon-plus-flat", "EpsilonPlusFlat", LRP_METHOD_LRP, LRP_ID_FLAT, LRP_ID_ZPLUS,
     LRP_ID_EPSILON, LRP_SPLIT_PROPORTIONAL, LRP_INIT_ONE, true, false, ZENNIT_STAB},
    {"epsilon-plus", "EpsilonPlus", LRP_METHOD_LRP, LRP_ID_ZPLUS, LRP_ID_ZPLUS, LRP_ID_EPSILON,
     LRP_SPLIT_PROPORTIONAL, LRP_INIT_ONE, true, false, ZENNIT_STAB},
    {"epsilon-alpha2-beta1", "EpsilonAlpha2Beta1", LRP_METHOD_LRP, LRP_ID_ALPHA_BETA,
     LRP_ID_ALPHA_BETA, LRP_ID_EPSILON, LRP_SPLIT_PROPORTIONAL, LRP_INIT_ONE, true, false,
     ZENNIT_STAB},
    {"epsilon-gamma-box", "EpsilonGammaBox", LRP_METHOD_LRP, LRP_ID_ZBOX, LRP_ID_GAMMA,
     LRP_ID_EPSILON, LRP_SPLIT_PROPORTIONAL, LRP_INIT_ONE, true, false, ZENNIT_STAB},
    {"otsuki2024", NULL, LRP_METHOD_LRP, LRP_ID_PAPER_FIRST, LRP_ID_PAPER, LRP_ID_PAPER,
     LRP_SPLIT_RATIO, LRP_INIT_SOFTMAX, false, true, {true, 1e-5f}},
    /* baselines: the gradient through the same executor */
    {"gradient", "Gradient", LRP_METHOD_GRADIENT, LRP_ID_EPSILON, LRP_ID_EPSILON,
     LRP_ID_EPSILON, LRP_SPLIT_PROPORTIONAL, LRP_INIT_ONE, true, false, ZENNIT_STAB},
    {"gradient-x-input", NULL, LRP_METHOD_GRADIENT_X_INPUT, LRP_ID_EPSILON, LRP_ID_EPSILON,
     LRP_ID_EPSILON, LRP_SPLIT_PROPORTIONAL, LRP_INIT_ONE, true, false, ZENNIT_STAB},
    {"grad-cam", NULL, LRP_METHOD_GRAD_CAM, LRP_ID_EPSILON, LRP_ID_EPSILON, LRP_ID_EPSILON,
     LRP_SPLIT_PROPORTIONAL, LRP_INIT_ONE, true, false, ZENNIT_STAB},
};
/* clang-format on */

#define N_PRESETS (sizeof presets / sizeof *presets)

static const char *const split_names[] = {"proportional", "ratio", "symmetric",
                                          "ratio-projection-only",
                                          "symmetric-projection-only"};

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
