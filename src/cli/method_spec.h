/* evaluate --methods: one entry is "random" or PRESET[:SPLIT][+hq], the
 * preset in our spelling or zennit's. */
#ifndef LRP_CLI_METHOD_SPEC_H
#define LRP_CLI_METHOD_SPEC_H

#include <stdbool.h>

#include "lrp.h"

#define CLI_MAX_METHODS 32

typedef struct cli_method_spec {
    const char *preset; /* the preset's own name (static); NULL for random */
    lrp_split split;    /* LRP_SPLIT_DEFAULT: the preset's */
    bool quantize;      /* +hq */
} cli_method_spec;

/* Takes one entry apart; fails naming it and what is wrong (with the
 * presets known). Needs no model. */
lrp_status cli_method_parse(const char *spec, cli_method_spec *ms, lrp_error *err);
/* --methods table1 (the paper's Table 1 and random)
 * or table2 (its ablation): the list they stand for; any other list as is. */
const char *cli_methods_expand(const char *list);

/* Every entry of a comma-separated list (at most CLI_MAX_METHODS): CLI_OK, or exit 2
 * with a usage message naming the first bad one. */
int cli_methods_check(const char *list);

#endif
