/* evaluate --methods: taking "PRESET[:SPLIT][+hq]" entries apart. */
#include "cli/method_spec.h"

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "explain/multipass.h"
#include "util/error.h"

lrp_status cli_method_parse(const char *spec, cli_method_spec *ms, lrp_error *err)
{
    char preset[96];
    if (snprintf(preset, sizeof preset, "%s", spec) >= (int)sizeof preset)
        return lrp_error_set(err, LRP_ERR_ARG, "method '%.40s...': name too long", spec);
    char *hq = strstr(preset, "+hq"), *colon = strchr(preset, ':');
    *ms = (cli_method_spec){.split = LRP_SPLIT_DEFAULT, .quantize = hq && hq[3] == '\0'};
    if (ms->quantize)
        *hq = '\0';
    if (colon) {
        *colon = '\0';
        if ((ms->split = lrp_split_from_name(colon + 1)) == (lrp_split)-1)
            return lrp_error_set(err, LRP_ERR_ARG, "method '%s': unknown split '%s'", spec,
                                 colon + 1);
    }
    if (strcmp(preset, "random") == 0)
        return colon
                   ? lrp_error_set(err, LRP_ERR_ARG, "method '%s': random takes no split", spec)
                   : LRP_OK;
    if ((ms->preset = lrp_method_lookup(preset)))
        return LRP_OK;
    char known[600];
    lrp_method_list(known, sizeof known);
    return lrp_error_set(err, LRP_ERR_ARG,
                         "method '%s': unknown preset '%s' (known: %s, "
                         "random)",
                         spec, preset, known);
}

/* Otsuki et al. 2024, Table 1: Ours, LRP (the ε rule everywhere),
 * Integrated Gradients, Guided Backprop, Grad-CAM, Score-CAM; and random.
 * Table 2: the split ablation, in the paper's order. The first row is the
 * one compared with the others. */
static const struct {
    const char *name, *list;
} method_tables[] = {
    {"table1", "otsuki2024+hq,epsilon,integrated-gradients,guided-backprop,grad-cam,score-cam,"
               "random"},
    {"table2", "otsuki2024+hq,otsuki2024:symmetric-projection-only+hq,"
               "otsuki2024:symmetric+hq,otsuki2024:ratio-projection-only+hq"},
};

const char *cli_methods_expand(const char *list)
{
    for (size_t i = 0; i < sizeof method_tables / sizeof *method_tables; i++)
        if (strcmp(list, method_tables[i].name) == 0)
            return method_tables[i].list;
    return list;
}

int cli_methods_check(const char *list)
{
    char buf[1024];
    if (snprintf(buf, sizeof buf, "%s", list) >= (int)sizeof buf)
        return cli_usage_error("evaluate", "--methods: the list is too long");
    int n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save), n++) {
        lrp_error err = {0};
        cli_method_spec ms;
        if (n == CLI_MAX_METHODS)
            return cli_usage_error("evaluate", "--methods: at most %d methods",
                                   CLI_MAX_METHODS);
        if (cli_method_parse(tok, &ms, &err))
            return cli_usage_error("evaluate", "--methods: %s", err.message);
    }
    return n ? CLI_OK : cli_usage_error("evaluate", "--methods: no method in '%s'", list);
}
