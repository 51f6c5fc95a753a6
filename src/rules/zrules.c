/* The z-rules of method §2 written as term lists (see rules.h). */
#include "rules/presets.h"

static lrp_term term(lrp_in_mod in, lrp_w_mod w, bool bias, float coef, int group)
{
    return (lrp_term){.in = in,
                      .w = w,
                      .bias = bias,
                      .sign = 1.0f,
                      .coef = coef,
                      .group = group};
}

lrp_zrule lrp_zrule_epsilon(lrp_stab stab)
{
    return (lrp_zrule){.name = "epsilon",
                       .n_terms = 1,
                       .n_groups = 1,
                       .stab = stab,
                       .terms = {term(LRP_IN_X, LRP_W_ID, true, 1, 0)}};
}

/* z = W⁺x⁺ + W⁻x⁻ + b⁺ */
lrp_zrule lrp_zrule_zplus(lrp_stab stab)
{
    return (lrp_zrule){.name = "zplus",
                       .n_terms = 2,
                       .n_groups = 1,
                       .stab = stab,
                       .terms = {term(LRP_IN_POS, LRP_W_POS, true, 1, 0),
                                 term(LRP_IN_NEG, LRP_W_NEG, false, 1, 0)}};
}

/* zα = W⁺x⁺ + W⁻x⁻ + b⁺ and zβ = W⁻x⁺ + W⁺x⁻ + b⁻, weighted α and −β */
lrp_zrule lrp_zrule_alpha_beta(float alpha, float beta, lrp_stab stab)
{
    return (lrp_zrule){.name = "alpha-beta",
                       .n_terms = 4,
                       .n_groups = 2,
                       .stab = stab,
                       .terms = {term(LRP_IN_POS, LRP_W_POS, true, alpha, 0),
                                 term(LRP_IN_NEG, LRP_W_NEG, false, alpha, 0),
                                 term(LRP_IN_POS, LRP_W_NEG, true, -beta, 1),
                                 term(LRP_IN_NEG, LRP_W_POS, false, -beta, 1)}};
}

/* where y > 0: Wp x⁺ + Wn x⁻ + bp; where y < 0: Wn x⁺ + Wp x⁻ + bn */
lrp_zrule lrp_zrule_gamma(lrp_stab stab)
{
    return (lrp_zrule){.name = "gamma",
                       .n_terms = 4,
                       .n_groups = 2,
                       .stab = stab,
                       .gate = {LRP_GATE_POS, LRP_GATE_NEG},
                       .terms = {term(LRP_IN_POS, LRP_W_GAMMA_POS, true, 1, 0),
                                 term(LRP_IN_NEG, LRP_W_GAMMA_NEG, false, 1, 0),
                                 term(LRP_IN_POS, LRP_W_GAMMA_NEG, true, 1, 1),
                                 term(LRP_IN_NEG, LRP_W_GAMMA_POS, false, 1, 1)}};
}

/* weights and input -> 1, bias -> 0 */
lrp_zrule lrp_zrule_flat(lrp_stab stab)
{
    return (lrp_zrule){.name = "flat",
                       .n_terms = 1,
                       .n_groups = 1,
                       .stab = stab,
                       .terms = {term(LRP_IN_ONES, LRP_W_ONES, false, 1, 0)}};
}

lrp_zrule lrp_zrule_wsquare(lrp_stab stab)
{
    return (lrp_zrule){.name = "wsquare",
                       .n_terms = 1,
                       .n_groups = 1,
                       .stab = stab,
                       .terms = {term(LRP_IN_ONES, LRP_W_SQUARE, true, 1, 0)}};
}

/* z = (W x + b) − (W⁺l + b⁺) − (W⁻h + b⁻): the bias cancels */
lrp_zrule lrp_zrule_zbox(lrp_stab stab)
{
    lrp_zrule r = {.name = "zbox",
                   .n_terms = 3,
                   .n_groups = 1,
                   .stab = stab,
                   .terms = {term(LRP_IN_X, LRP_W_ID, true, 1, 0),
                             term(LRP_IN_LOW, LRP_W_POS, true, 1, 0),
                             term(LRP_IN_HIGH, LRP_W_NEG, true, 1, 0)}};
    r.terms[1].sign = r.terms[2].sign = -1.0f;
    return r;
}

/* The authors' code: z = W⁺a + ε without bias; ones at the first layer. */
lrp_zrule lrp_zrule_paper(bool first_layer, lrp_stab stab)
{
    return (lrp_zrule){.name = first_layer ? "paper-first" : "paper-zplus",
                       .n_terms = 1,
                       .n_groups = 1,
                       .stab = stab,
                       .terms = {
                           term(first_layer ? LRP_IN_ONES : LRP_IN_X, LRP_W_POS, false, 1, 0)}};
}

bool lrp_zrule_fixed_z(const lrp_zrule *z)
{
    if (z->n_groups != 1 || z->gate[0] != LRP_GATE_NONE)
        return false;
    for (int t = 0; t < z->n_terms; t++)
        if (z->terms[t].in != LRP_IN_ONES || z->terms[t].w != LRP_W_ONES || z->terms[t].bias)
            return false;
    return z->n_terms > 0;
}

lrp_zrule lrp_zrule_of(lrp_rule_id id, float alpha, float beta, lrp_stab stab)
{
    switch (id) {
    case LRP_ID_EPSILON: return lrp_zrule_epsilon(stab);
    case LRP_ID_ZPLUS: return lrp_zrule_zplus(stab);
    case LRP_ID_ALPHA_BETA: return lrp_zrule_alpha_beta(alpha, beta, stab);
    case LRP_ID_GAMMA: return lrp_zrule_gamma(stab);
    case LRP_ID_FLAT: return lrp_zrule_flat(stab);
    case LRP_ID_ZBOX: return lrp_zrule_zbox(stab);
    case LRP_ID_WSQUARE: return lrp_zrule_wsquare(stab);
    case LRP_ID_PAPER: return lrp_zrule_paper(false, stab);
    case LRP_ID_PAPER_FIRST: return lrp_zrule_paper(true, stab);
    }
    return lrp_zrule_epsilon(stab);
}
