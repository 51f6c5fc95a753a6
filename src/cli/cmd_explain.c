/* onnx-lrp explain: input relevance of a preprocessed tensor, a per-image
 * report, and a conservation check for CI. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "io/json.h"
#include "io/npy.h"

static const char help[] =
    "usage: onnx-lrp explain MODEL.onnx --input-tensor X.npy [options]\n"
    "\n"
    "Layer-wise Relevance Propagation of the model's prediction for X, a float32\n"
    "(N,C,H,W) .npy that is already preprocessed. Prints, per image, the target\n"
    "class, the seeded relevance, the input relevance sum and its conservation\n"
    "error ((sum R_in - R_out) / R_out).\n"
    "\n"
    "  --preset P              epsilon-plus-flat (default), epsilon-plus,\n"
    "                          epsilon-alpha2-beta1, epsilon-gamma-box (zennit's\n"
    "                          composites), otsuki2024 (Otsuki et al., ECCV 2024)\n"
    "  --split S               at residual Adds: proportional (zennit presets),\n"
    "                          ratio (otsuki2024), symmetric, ratio-projection-only,\n"
    "                          symmetric-projection-only\n"
    "  --epsilon E             stabilizer of every rule (default 1e-6; otsuki2024 1e-5)\n"
    "  --gamma G               gamma rule (default 0.25)\n"
    "  --alpha A --beta B      alpha-beta rule, A - B = 1 (default 2, 1)\n"
    "  --zero-bias             every rule uses b = 0 (zennit's zero_params='bias')\n"
    "  --init one|logit|softmax  relevance seeded at the target (default: one;\n"
    "                          otsuki2024: softmax)\n"
    "  --target N|top          class to explain (default: each image's top-1)\n"
    "  --relevance-out R.npy   write the input relevance, float32 (N,C,H,W)\n"
    "  --json                  one JSON object per image and line: target, logits,\n"
    "                          output_relevance, input_relevance_sum,\n"
    "                          conservation_error, forward_ms, explain_ms,\n"
    "                          residual_adds (node, kind, relevance, mainstream,\n"
    "                          shortcut, mainstream_share) and leaks (every node on\n"
    "                          the relevance path: relevance_in, relevance_out, leak,\n"
    "                          absorbed = the part the stabilizer kept)\n"
    "  --check-conservation TOL  exit 3, naming the first node whose leak exceeds\n"
    "                          TOL (relative to the seed), when |conservation error|\n"
    "                          > TOL\n";

typedef struct explain_opts {
    const char *model, *input, *output;
    bool json;
    double check_tol; /* < 0: no check */
    lrp_config config;
} explain_opts;

static bool parse_double(const char *s, double *out)
{
    char *end;
    *out = strtod(s, &end);
    return end != s && *end == '\0' && isfinite(*out);
}

/* One option with a value; returns CLI_BAD_INPUT on a bad value. */
static int config_option(const char *name, const char *value, explain_opts *o)
{
    lrp_config *c = &o->config;
    double d = 0.0;
    bool number = parse_double(value, &d);
    if (strcmp(name, "--preset") == 0) {
        c->preset = value;
    } else if (strcmp(name, "--split") == 0) {
        if ((c->split = lrp_split_from_name(value)) == (lrp_split)-1)
            return cli_usage_error("explain", "unknown split '%s'", value);
    } else if (strcmp(name, "--init") == 0) {
        if ((c->init = lrp_init_from_name(value)) == (lrp_init)-1)
            return cli_usage_error("explain", "unknown init '%s' (one, logit, softmax)", value);
    } else if (strcmp(name, "--target") == 0) {
        if (strcmp(value, "top") == 0)
            c->target = -1;
        else if (!number || d < 0 || d != floor(d) || d > 1e9)
            return cli_usage_error("explain", "--target takes a class index or 'top'");
        else
            c->target = (int)d;
    } else if (!number || d < 0) {
        return cli_usage_error("explain", "%s takes a non-negative number, not '%s'", name, value);
    } else if (strcmp(name, "--epsilon") == 0) {
        c->epsilon = d;
    } else if (strcmp(name, "--gamma") == 0) {
        c->gamma = d;
    } else if (strcmp(name, "--alpha") == 0) {
        c->alpha = d;
    } else if (strcmp(name, "--beta") == 0) {
        c->beta = d;
    } else {
        o->check_tol = d;
    }
    return CLI_OK;
}

static int parse(int argc, char **argv, explain_opts *o)
{
    static const char *const valued[] = {"--preset", "--split", "--init", "--target",
                                         "--epsilon", "--gamma", "--alpha", "--beta",
                                         "--check-conservation"};
    cli_args a = {argc, argv, 1};
    int status = CLI_OK;
    for (; a.i < argc && status == CLI_OK; a.i++) {
        const char *arg = argv[a.i], *value = NULL;
        bool matched = false;
        for (size_t k = 0; k < sizeof valued / sizeof *valued && !matched; k++)
            if (cli_value(&a, valued[k], &value, &status)) {
                matched = true;
                if (status == CLI_OK)
                    status = config_option(valued[k], value, o);
            }
        if (matched)
            continue;
        if (cli_is(arg, "--help") || cli_is(arg, "-h")) {
            fputs(help, stdout);
            return -1;
        } else if (cli_is(arg, "--json")) {
            o->json = true;
        } else if (cli_is(arg, "--zero-bias")) {
            o->config.zero_bias = 1;
        } else if (cli_value(&a, "--input-tensor", &o->input, &status) ||
                   cli_value(&a, "--relevance-out", &o->output, &status)) {
        } else if (arg[0] == '-' && arg[1]) {
            return cli_usage_error("explain", "unknown option '%s'", arg);
        } else if (o->model) {
            return cli_usage_error("explain", "one model at a time ('%s' and '%s')", o->model, arg);
        } else {
            o->model = arg;
        }
    }
    if (status == CLI_OK && (!o->model || !o->input))
        return cli_usage_error("explain", "need MODEL.onnx and --input-tensor X.npy");
    return status;
}

static void json_image(const lrp_report *rep, int i, const explain_opts *o,
                       const lrp_explainer *e)
{
    lrp_image_report ir = lrp_report_image(rep, i);
    lrp_json j;
    lrp_json_init(&j, stdout, 0);
    lrp_json_begin_object(&j);
    lrp_json_key(&j, "image");
    lrp_json_int(&j, i);
    lrp_json_key(&j, "preset");
    lrp_json_string(&j, lrp_explainer_preset(e));
    lrp_json_key(&j, "split");
    lrp_json_string(&j, lrp_split_name(lrp_explainer_split(e)));
    lrp_json_key(&j, "target");
    lrp_json_int(&j, ir.target);
    lrp_json_key(&j, "logits");
    lrp_json_begin_array(&j);
    for (int k = 0; k < ir.n_classes; k++)
        lrp_json_float(&j, ir.logits[k]);
    lrp_json_end_array(&j);
    lrp_json_key(&j, "output_relevance");
    lrp_json_double(&j, ir.output_relevance);
    lrp_json_key(&j, "input_relevance_sum");
    lrp_json_double(&j, ir.input_relevance_sum);
    lrp_json_key(&j, "conservation_error");
    lrp_json_double(&j, ir.conservation_error);
    lrp_json_key(&j, "forward_ms");
    lrp_json_double(&j, lrp_report_forward_ms(rep));
    lrp_json_key(&j, "explain_ms");
    lrp_json_double(&j, lrp_report_explain_ms(rep));
    lrp_json_key(&j, "residual_adds");
    lrp_json_begin_array(&j);
    for (int k = 0; k < lrp_report_residuals(rep); k++) {
        lrp_residual_flow f = lrp_report_residual(rep, i, k);
        lrp_json_begin_object(&j);
        lrp_json_key(&j, "node");
        lrp_json_string(&j, f.node);
        lrp_json_key(&j, "kind");
        lrp_json_string(&j, f.kind);
        lrp_json_key(&j, "relevance");
        lrp_json_double(&j, f.relevance);
        lrp_json_key(&j, "mainstream");
        lrp_json_double(&j, f.mainstream);
        lrp_json_key(&j, "shortcut");
        lrp_json_double(&j, f.shortcut);
        lrp_json_key(&j, "mainstream_share");
        lrp_json_double(&j, f.mainstream_share);
        lrp_json_end_object(&j);
    }
    lrp_json_end_array(&j);
    lrp_json_key(&j, "leaks");
    lrp_json_begin_array(&j);
    for (int s = 0; s < lrp_report_steps(rep); s++) {
        lrp_node_flow f = lrp_report_step(rep, i, s);
        lrp_json_begin_object(&j);
        lrp_json_key(&j, "node");
        lrp_json_string(&j, f.node);
        lrp_json_key(&j, "op");
        lrp_json_string(&j, f.op);
        lrp_json_key(&j, "rule");
        lrp_json_string(&j, f.rule);
        lrp_json_key(&j, "relevance_in");
        lrp_json_double(&j, f.relevance_in);
        lrp_json_key(&j, "relevance_out");
        lrp_json_double(&j, f.relevance_out);
        lrp_json_key(&j, "leak");
        lrp_json_double(&j, f.leak);
        lrp_json_key(&j, "absorbed");
        lrp_json_double(&j, f.absorbed);
        lrp_json_end_object(&j);
    }
    lrp_json_end_array(&j);
    lrp_json_end_object(&j);
    fputc('\n', stdout);
    (void)o;
}

static void text_image(const lrp_report *rep, int i)
{
    lrp_image_report ir = lrp_report_image(rep, i);
    printf("image %d: target %d  R_out %.6g  sum R_in %.6g  conservation error %+.3e\n", i,
           ir.target, ir.output_relevance, ir.input_relevance_sum, ir.conservation_error);
}

/* Exit 3 when image i does not conserve within tol; names the first
 * node (in flow order) whose leak exceeds tol, else the largest leak. */
static int check_conservation(const lrp_report *rep, int i, double tol)
{
    lrp_image_report ir = lrp_report_image(rep, i);
    if (fabs(ir.conservation_error) <= tol)
        return CLI_OK;
    int worst = -1;
    for (int s = 0; s < lrp_report_steps(rep); s++) {
        double leak = fabs(lrp_report_step(rep, i, s).leak);
        if (worst < 0 || leak > fabs(lrp_report_step(rep, i, worst).leak))
            worst = s;
        if (leak > tol) {
            worst = s;
            break;
        }
    }
    lrp_node_flow f = lrp_report_step(rep, i, worst < 0 ? 0 : worst);
    fprintf(stderr,
            "onnx-lrp: relevance not conserved for image %d: error %+.3e > %g; first leak at "
            "node '%s' (%s, rule %s): %+.3e\n",
            i, ir.conservation_error, tol, f.node, f.op, f.rule, f.leak);
    return CLI_NOT_CONSERVED;
}

static int run(const explain_opts *o, lrp_model *m, lrp_error *err)
{
    lrp_explainer *e = NULL;
    lrp_array x = {0}, r = {0};
    lrp_report *rep = NULL;
    int status = CLI_OK;
    if (lrp_explainer_new(m, &o->config, &e, err) || cli_read_input(o->input, &x, err) ||
        lrp_explain(e, &x, &r, &rep, err) ||
        (o->output && lrp_npy_write(o->output, LRP_NPY_FLOAT32, r.rank, r.dims, r.data, err))) {
        status = cli_fail(err);
    } else {
        for (int i = 0; i < lrp_report_images(rep); i++)
            o->json ? json_image(rep, i, o, e) : text_image(rep, i);
        for (int i = 0; o->check_tol >= 0 && i < lrp_report_images(rep) && !status; i++)
            status = check_conservation(rep, i, o->check_tol);
    }
    lrp_report_free(rep);
    lrp_array_free(&x);
    lrp_array_free(&r);
    lrp_explainer_free(e);
    return status;
}

int cmd_explain(int argc, char **argv)
{
    explain_opts o = {.check_tol = -1.0};
    lrp_config_init(&o.config);
    int status = parse(argc, argv, &o);
    if (status)
        return status < 0 ? CLI_OK : status;
    lrp_error err = {0};
    lrp_model *m = NULL;
    if (lrp_model_load(o.model, &m, &err))
        return cli_fail(&err);
    status = run(&o, m, &err);
    lrp_model_free(m);
    return status;
}
