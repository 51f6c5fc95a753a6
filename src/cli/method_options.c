/* --ig-steps, --ig-baseline, --sg-samples, --sg-noise, --rise-masks,
 * --occlusion-window, --occlusion-stride, --seed. */
#include "cli/method_options.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cli_method_options_help[] =
    "  --ig-steps N            integrated-gradients: path steps (default 32)\n"
    "  --ig-baseline B         integrated-gradients: black (default: the normalized\n"
    "                          zero image) or zero (zeros after normalization)\n"
    "  --sg-samples N          smoothgrad: noisy samples (default 20)\n"
    "  --sg-noise S            smoothgrad: noise sd over (max - min) of x (default 0.1)\n"
    "  --rise-masks N          rise: random masks (default 4000)\n"
    "  --occlusion-window N    occlusion: window side in pixels (default 8)\n"
    "  --occlusion-stride N    occlusion: stride in pixels (default 8)\n"
    "  --seed N                smoothgrad, rise: the random stream (default 0)\n";

static bool number(const char *s, double lo, double hi, bool whole, double *out)
{
    char *end;
    double d = strtod(s, &end);
    if (end == s || *end || !isfinite(d) || d < lo || d > hi || (whole && d != floor(d)))
        return false;
    *out = d;
    return true;
}

/* The numeric options; --ig-baseline (bit N_NUMERIC) is the one other. */
static const struct {
    const char *name;
    double lo, hi;
    bool whole;
    const char *want;
    const char *methods; /* the methods it is for */
} options[] = {
    {"--ig-steps", 1, 100000, true, "a count from 1 to 100000", "integrated-gradients"},
    {"--sg-samples", 1, 100000, true, "a count from 1 to 100000", "smoothgrad"},
    {"--sg-noise", 0, 1e6, false, "a number >= 0", "smoothgrad"},
    {"--rise-masks", 1, 1000000, true, "a count from 1 to 1000000", "rise"},
    {"--occlusion-window", 1, 65536, true, "a size from 1 to 65536 pixels", "occlusion"},
    {"--occlusion-stride", 1, 65536, true, "a size from 1 to 65536 pixels", "occlusion"},
    {"--seed", 0, 9007199254740992.0, true, "a whole number >= 0", "smoothgrad, rise"},
};

#define N_NUMERIC ((int)(sizeof options / sizeof *options))

static void store(lrp_method_params *p, int k, double d)
{
    switch (k) {
    case 0: p->ig_steps = (int)d; break;
    case 1: p->sg_samples = (int)d; break;
    case 2: p->sg_noise = d; break;
    case 3: p->rise_masks = (int)d; break;
    case 4: p->occ_window = (int)d; break;
    case 5: p->occ_stride = (int)d; break;
    default: p->seed = (uint64_t)d; break;
    }
}

size_t cli_method_params_string(const lrp_method_params *p, char *buf, size_t size)
{
    int n = snprintf(buf, size,
                     "; ig-steps=%d; ig-baseline=%s; sg-samples=%d; sg-noise=%.17g; "
                     "rise-masks=%d; occlusion-window=%d; occlusion-stride=%d; seed=%llu",
                     p->ig_steps, p->ig_baseline == LRP_IG_ZERO ? "zero" : "black",
                     p->sg_samples, p->sg_noise, p->rise_masks, p->occ_window, p->occ_stride,
                     (unsigned long long)p->seed);
    return n > 0 ? (size_t)n : 0;
}

bool cli_method_option(const char *command, cli_args *a, lrp_method_params *p, unsigned *given,
                       int *status)
{
    const char *v;
    if (cli_value(a, "--ig-baseline", &v, status)) {
        *given |= 1u << N_NUMERIC;
        bool black = strcmp(v, "black") == 0, zero = strcmp(v, "zero") == 0;
        if (!*status && !black && !zero)
            *status = cli_usage_error(command, "--ig-baseline: '%s' is not black or zero", v);
        p->ig_baseline = zero ? LRP_IG_ZERO : LRP_IG_BLACK;
        return true;
    }
    for (int k = 0; k < N_NUMERIC; k++) {
        if (!cli_value(a, options[k].name, &v, status))
            continue;
        *given |= 1u << k;
        double d;
        if (!*status && !number(v, options[k].lo, options[k].hi, options[k].whole, &d))
            *status = cli_usage_error(command, "%s: '%s' is not %s", options[k].name, v,
                                      options[k].want);
        else if (!*status)
            store(p, k, d);
        return true;
    }
    return false;
}

/* Is method 'name' (our spelling) an entry of 'list'? */
static bool listed(const char *name, const char *list)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", list);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        tok[strcspn(tok, ":+")] = '\0';
        const char *own = lrp_method_lookup(tok);
        if (own && strcmp(own, name) == 0)
            return true;
    }
    return false;
}

int cli_method_options_check(const char *command, unsigned given, const char *methods)
{
    for (int k = 0; k <= N_NUMERIC; k++) {
        const char *name = k < N_NUMERIC ? options[k].name : "--ig-baseline";
        const char *fors = k < N_NUMERIC ? options[k].methods : "integrated-gradients";
        char buf[64];
        snprintf(buf, sizeof buf, "%s", fors);
        bool used = false;
        char *save = NULL;
        for (char *m = strtok_r(buf, ", ", &save); m && !used; m = strtok_r(NULL, ", ", &save))
            used = listed(m, methods);
        if (given & 1u << k && !used)
            return cli_usage_error(command, "%s has no effect here (it is for %s)", name, fors);
    }
    return CLI_OK;
}
