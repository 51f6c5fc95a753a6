/* onnx-lrp explain: option parsing, and the --input-tensor mode. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/conservation_check.h"
#include "cli/explain.h"
#include "io/heatmap.h"
#include "rules/presets.h"
#include "util/error.h"
#include "util/name_list.h"
#include "util/text.h"

/* --help: help_top, the preset list from the table, help_rules, the
 * first-layer rules from theirs, help_rest, the colormaps from theirs,
 * help_pictures, help_modes (split for C99's
 * 4095-character limit on one string). */
static const char help_top[] =
    "usage: onnx-lrp explain MODEL.onnx IMAGE|DIR|@LIST... -o DIR [options]\n"
    "       onnx-lrp explain MODEL.onnx --input-tensor X.npy [options]\n"
    "\n"
    "Layer-wise Relevance Propagation of the model's prediction: how much each\n"
    "input pixel contributed. Images (PNG, JPEG, BMP, GIF, TGA, PNM; a directory\n"
    "means its images, sorted; @list.txt one path per line) are preprocessed as\n"
    "torchvision's ImageNet eval transform, or as the model's metadata says. One\n"
    "line per image: predicted class and probability, relevance sum, conservation\n"
    "error ((sum R_in - R_out) / R_out).\n"
    "\n"
    "rules:\n"
    "  --preset P              default epsilon-plus-flat; zennit's composites (also\n"
    "                          in zennit's spelling), otsuki2024 (Otsuki et al.,\n"
    "                          ECCV 2024) and the baselines. One of:\n";

static const char help_rules[] =
    "  --split S               at residual Adds: proportional (zennit presets),\n"
    "                          ratio (otsuki2024), symmetric, ratio-projection-only,\n"
    "                          symmetric-projection-only\n"
    "  --epsilon E             stabilizer of every rule (default 1e-6; otsuki2024 1e-5)\n"
    "  --gamma G               gamma rule (default 0.25)\n"
    "  --alpha A --beta B      alpha-beta rule, A - B = 1 (default 2, 1)\n"
    "  --zero-bias             every rule uses b = 0 (zennit's zero_params='bias')\n"
    "  --first-rule R          the first layer's rule instead of the preset's (LRP\n"
    "                          presets), one of:\n";

static const char help_rest[] =
    "  --init one|logit|softmax  relevance seeded at the target (default: one;\n"
    "                          otsuki2024: softmax); relevance starts at the\n"
    "                          logits, before a final Softmax or LogSoftmax, and\n"
    "                          softmax is the probability either way\n"
    "  --target N|top          class to explain (default: each image's top-1)\n"
    "  --topk K                explain each of the top K classes (images)\n"
    "\n"
    "images (default: the model's onnx_lrp.* metadata, else ImageNet's):\n"
    "  -o, --output-dir DIR    write <stem>.heatmap.png, <stem>.overlay.png and\n"
    "                          report.json there, making missing folders (without\n"
    "                          it: the summary only; the picture options below\n"
    "                          then have no effect and are refused)\n"
    "  --resize N              shorter side before cropping (default: crop x 256/224;\n"
    "                          a non-square crop: each side so, exactly; 0: none)\n"
    "  --crop N | HxW          center crop (default 224, or the model's input size)\n"
    "  --mean a,b,c --std a,b,c  normalization, one value per input channel or one\n"
    "                          for all (default ImageNet's; 1 channel: its luma,\n"
    "                          0.4590, 0.2256); also sets the zbox bounds of\n"
    "                          epsilon-gamma-box, in tensor mode too\n"
    "  --labels FILE           class names, one per line\n";

static const char help_pictures[] =
    "  --positive              draw only positive relevance\n"
    "  --overlay-alpha A       heatmap weight in the overlay (default 0.6)\n"
    "  --quantize [L]          the paper's heat quantization into L levels (2 to\n"
    "                          256; without L: 8, the paper's)\n"
    "  --save-relevance        also write <stem>.relevance.npy (C,H,W float32)\n"
    "  --force                 explain again the images DIR/records already holds (a\n"
    "                          rerun with the same model, options and version\n"
    "                          otherwise keeps their files and report entries)\n"
    "  --threads N             images explained in parallel, each on one core\n"
    "                          (default: all cores; results do not depend on N)\n"
    "  --shard K/N|auto        explain only the images whose index in the sorted\n"
    "                          input list mod N is K (auto: from SLURM_ARRAY_TASK_ID\n"
    "                          and SLURM_ARRAY_TASK_COUNT)\n"
    "\n";

static const char help_modes[] =
    "tensor mode:\n"
    "  --input-tensor X.npy    a preprocessed float32 (N,C,H,W) batch\n"
    "  --relevance-out R.npy   write the input relevance, float32 (N,C,H,W)\n"
    "  --threads N             threads splitting each layer (default: all cores;\n"
    "                          any N gives the same bits, as image mode does)\n"
    "  --repeat N              explain N times (after an untimed one when N > 1);\n"
    "                          forward_ms and explain_ms in the JSON are medians,\n"
    "                          timed once the workspaces are sized and oneDNN's\n"
    "                          weights packed for X's shape\n"
    "  (image options other than --mean/--std are refused here, and --repeat and\n"
    "  --relevance-out with images)\n"
    "\n"
    "report:\n"
    "  --json                  one JSON object per explanation and line: target,\n"
    "                          logits, output_relevance, input_relevance_sum,\n"
    "                          conservation_error, forward_ms, explain_ms,\n"
    "                          residual_adds (node, kind, relevance, mainstream,\n"
    "                          shortcut, mainstream_share), unclassified_adds (node,\n"
    "                          reason: Adds split by the Add rule whatever --split\n"
    "                          says) and leaks (every node on\n"
    "                          the relevance path: relevance_in, relevance_out, leak,\n"
    "                          absorbed = the part the stabilizer kept); with\n"
    "                          --input-tensor also peak_rss_mib (the process's\n"
    "                          peak resident memory), weights_mib (the model's\n"
    "                          float32 initializers) and kept_mib (the activations\n"
    "                          the forward pass kept for the relevance pass)\n"
    "  --check-conservation TOL  exit 3, naming the first node whose leak exceeds\n"
    "                          TOL (relative to the seed), when |conservation error|\n"
    "                          > TOL (LRP presets only)\n"
    "\n"
    "exit codes: 0 ok, 1 some image failed, 2 bad input, 3 not conserved\n";

static bool parse_double(const char *s, double *out)
{
    char *end;
    *out = strtod(s, &end);
    return end != s && *end == '\0' && isfinite(*out);
}

static bool parse_int(const char *s, int lo, int hi, int *out)
{
    double d;
    if (!parse_double(s, &d) || d != floor(d) || d < lo || d > hi)
        return false;
    *out = (int)d;
    return true;
}

/* "a,b,c" into up to 4 floats. */
static bool parse_floats(const char *s, float *out, int *n)
{
    char buf[256], *save = NULL;
    snprintf(buf, sizeof buf, "%s", s);
    *n = 0;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        double d;
        if (*n == 4 || !parse_double(tok, &d))
            return false;
        out[(*n)++] = (float)d;
    }
    return *n > 0;
}

/* "224" or "224x200" (height x width). */
static bool parse_crop(const char *s, int *h, int *w)
{
    char *x = strchr(s, 'x');
    if (!x)
        return parse_int(s, 1, 65536, h) && (*w = *h, true);
    char hs[32];
    snprintf(hs, sizeof hs, "%.*s", (int)(x - s), s);
    return parse_int(hs, 1, 65536, h) && parse_int(x + 1, 1, 65536, w);
}

static int bad_value(const explain_opts *o, const char *name, const char *value,
                     const char *want)
{
    return cli_usage_error(o->command, "%s: '%s' is not %s", name, value, want);
}

/* lrp_split_name and lrp_init_name by index, for lrp_name_list. */
static const char *split_at(int i)
{
    return lrp_split_name((lrp_split)i);
}

static const char *init_at(int i)
{
    return lrp_init_name((lrp_init)i);
}

/* "a split (proportional, ...)": what a value of the option should be. */
static int not_one_of(const explain_opts *o, const char *name, const char *value,
                      const char *what, const char *(*names)(int i))
{
    char list[300];
    return cli_usage_error(o->command, "%s: '%s' is not %s (%s)", name, value, what,
                           lrp_name_list(list, sizeof list, names));
}

static int unknown_preset(const char *command, const char *option, const char *name)
{
    char known[600];
    lrp_method_list(known, sizeof known);
    return cli_usage_error(command, "%s: unknown preset '%s' (known: %s)", option, name, known);
}

/* Options about rules and the target. */
static int rule_option(const char *name, const char *value, explain_opts *o)
{
    lrp_config *c = &o->config;
    double d;
    if (strcmp(name, "--preset") == 0) {
        if (!(c->preset = lrp_method_lookup(value)))
            return unknown_preset(o->command, name, value);
    } else if (strcmp(name, "--split") == 0) {
        if ((c->split = lrp_split_from_name(value)) == (lrp_split)-1)
            return not_one_of(o, name, value, "a split", split_at);
    } else if (strcmp(name, "--init") == 0) {
        if ((c->init = lrp_init_from_name(value)) == (lrp_init)-1)
            return not_one_of(o, name, value, "an init", init_at);
    } else if (strcmp(name, "--first-rule") == 0) {
        if (lrp_first_rule_from_name(value) < 0) {
            char known[200];
            lrp_first_rule_list(known, sizeof known);
            return cli_usage_error(o->command, "%s: unknown rule '%s' (known: %s)", name, value,
                                   known);
        }
        c->first_rule = value;
    } else if (strcmp(name, "--target") == 0) {
        if (strcmp(value, "top") == 0)
            c->target = -1;
        else if (!parse_int(value, 0, 1 << 30, &c->target))
            return bad_value(o, name, value, "a class index or 'top'");
    } else if (strcmp(name, "--epsilon") && strcmp(name, "--gamma") &&
               strcmp(name, "--alpha") && strcmp(name, "--beta") &&
               strcmp(name, "--check-conservation")) {
        return -1; /* not a rule option */
    } else if (!parse_double(value, &d) || d < 0) {
        return bad_value(o, name, value, "a non-negative number");
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

int cli_image_option(const char *name, const char *value, explain_opts *o)
{
    if (strcmp(name, "--resize") == 0 && !parse_int(value, 0, 65536, &o->resize))
        return bad_value(o, name, value, "a size in pixels (0: no resize)");
    if (strcmp(name, "--crop") == 0 && !parse_crop(value, &o->crop_h, &o->crop_w))
        return bad_value(o, name, value, "N or HxW pixels");
    if (strcmp(name, "--mean") == 0 && !parse_floats(value, o->mean, &o->n_mean))
        return bad_value(o, name, value, "a comma-separated list of numbers");
    if (strcmp(name, "--std") == 0 && !parse_floats(value, o->std, &o->n_std))
        return bad_value(o, name, value, "a comma-separated list of numbers");
    if (strcmp(name, "--labels") == 0)
        o->labels = value;
    if (strcmp(name, "--colormap") == 0 && (o->colormap = lrp_colormap_from_name(value)) < 0)
        return not_one_of(o, name, value, "a colormap", lrp_colormap_name);
    if (strcmp(name, "--overlay-alpha") == 0 && (!parse_double(value, &o->overlay_alpha) ||
                                                 o->overlay_alpha < 0 || o->overlay_alpha > 1))
        return bad_value(o, name, value, "a number in [0, 1]");
    if (strcmp(name, "--quantize") == 0 && !parse_int(value, 2, 256, &o->quantize))
        return bad_value(o, name, value, "a number of levels from 2 to 256");
    if (strcmp(name, "--topk") == 0 && !parse_int(value, 1, 1000, &o->topk))
        return bad_value(o, name, value, "a count from 1 to 1000");
    if (strcmp(name, "--threads") == 0 && !cli_parse_threads(value, &o->threads))
        return bad_value(o, name, value, "a thread count from 1 to 256");
    if (strcmp(name, "--repeat") == 0 && !parse_int(value, 1, 1000, &o->repeat))
        return bad_value(o, name, value, "a count from 1 to 1000");
    if (strcmp(name, "--output-dir") == 0 || strcmp(name, "-o") == 0)
        o->out_dir = value;
    if (strcmp(name, "--input-tensor") == 0)
        o->input_tensor = value;
    if (strcmp(name, "--shard") == 0)
        return cli_parse_shard(o->command, value, &o->shard);
    return CLI_OK;
}

/* clang-format off */
static const char *const valued[] = {
    "--preset", "--split", "--init", "--first-rule", "--target", "--epsilon", "--gamma",
    "--alpha", "--beta", "--check-conservation", "--resize", "--crop", "--mean", "--std",
    "--labels", "--colormap", "--overlay-alpha", "--topk", "--threads", "--output-dir", "-o",
    "--input-tensor", "--repeat", "--shard"};

/* Options that act in one mode only; any other use is refused. */
enum { FOR_IMAGES, FOR_PICTURES /* images, with -o */, FOR_TENSORS };
static const struct {
    const char *name;
    int scope;
} scoped[] = {
    {"-o", FOR_IMAGES}, {"--output-dir", FOR_IMAGES}, {"--topk", FOR_IMAGES},
    {"--resize", FOR_IMAGES}, {"--crop", FOR_IMAGES}, {"--labels", FOR_IMAGES},
    {"--shard", FOR_IMAGES},
    {"--colormap", FOR_PICTURES}, {"--positive", FOR_PICTURES},
    {"--overlay-alpha", FOR_PICTURES}, {"--quantize", FOR_PICTURES},
    {"--save-relevance", FOR_PICTURES}, {"--force", FOR_PICTURES},
    {"--repeat", FOR_TENSORS}, {"--relevance-out", FOR_TENSORS}};
/* clang-format on */

static void note_given(explain_opts *o, const char *name)
{
    for (unsigned k = 0; k < sizeof scoped / sizeof *scoped; k++)
        if (strcmp(scoped[k].name, name) == 0)
            o->scoped_given |= 1u << k;
}

/* Refuses the options that have no effect in the mode given. */
static int check_scopes(const explain_opts *o)
{
    bool tensors = o->input_tensor != NULL;
    for (unsigned k = 0; k < sizeof scoped / sizeof *scoped; k++) {
        const char *name = scoped[k].name;
        if (!(o->scoped_given & 1u << k))
            continue;
        if (scoped[k].scope == FOR_TENSORS && !tensors && strcmp(name, "--relevance-out") == 0)
            return cli_usage_error("explain",
                                   "--relevance-out FILE is for --input-tensor; with "
                                   "images use --save-relevance (writes <stem>.relevance.npy "
                                   "into -o DIR)");
        if (scoped[k].scope == FOR_TENSORS && !tensors)
            return cli_usage_error("explain",
                                   "%s has no effect with images (it is for "
                                   "--input-tensor)",
                                   name);
        if (scoped[k].scope != FOR_TENSORS && tensors)
            return cli_usage_error("explain",
                                   "%s has no effect with --input-tensor (it is for "
                                   "images)",
                                   name);
        if (scoped[k].scope == FOR_PICTURES && !o->out_dir)
            return cli_usage_error("explain",
                                   "%s has no effect without -o DIR (it is about the "
                                   "files written there)",
                                   name);
    }
    return CLI_OK;
}

/* --quantize [L]: L when the next argument is a whole number, else 8. */
static int take_quantize(cli_args *a, explain_opts *o)
{
    const char *arg = a->argv[a->i], *next = a->i + 1 < a->argc ? a->argv[a->i + 1] : "";
    const char *value = "8";
    if (arg[10] == '=')
        value = arg + 11;
    else if (next[0] && strspn(next, "0123456789") == strlen(next))
        value = a->argv[++a->i];
    return cli_image_option("--quantize", value, o);
}

static int take_flag(const char *arg, explain_opts *o)
{
    if (cli_is(arg, "--json"))
        o->json = true;
    else if (cli_is(arg, "--zero-bias"))
        o->config.zero_bias = 1;
    else if (cli_is(arg, "--positive"))
        o->positive = true;
    else if (cli_is(arg, "--save-relevance"))
        o->save_relevance = true;
    else if (cli_is(arg, "--force"))
        o->force = true;
    else
        return 0;
    note_given(o, arg);
    return 1;
}

static int take_option(cli_args *a, explain_opts *o, int *status)
{
    const char *arg = a->argv[a->i], *value = NULL;
    if (cli_is(arg, "--quantize") || strncmp(arg, "--quantize=", 11) == 0) {
        note_given(o, "--quantize");
        *status = take_quantize(a, o);
        return 1;
    }
    if (cli_is(arg, "--relevance-out") && a->i + 1 == a->argc) {
        o->relevance_out = ""; /* the old image-mode flag: check_scopes names its successor */
        note_given(o, arg);
        return 1;
    }
    if (cli_value(a, "--relevance-out", &o->relevance_out, status)) {
        note_given(o, "--relevance-out");
        return 1;
    }
    if (cli_method_option(o->command, a, &o->methods, &o->methods_given, status))
        return 1;
    for (size_t k = 0; k < sizeof valued / sizeof *valued; k++) {
        if (!cli_value(a, valued[k], &value, status))
            continue;
        if (*status)
            return 1;
        note_given(o, valued[k]);
        int st = rule_option(valued[k], value, o);
        *status = st < 0 ? cli_image_option(valued[k], value, o) : st;
        return 1;
    }
    return take_flag(arg, o);
}

/* "a, b, c" wrapped at 79 columns, indented as the options' texts. */
static void print_list(char *list)
{
    int col = 0;
    for (char *save = NULL, *p = strtok_r(list, ",", &save); p;
         p = strtok_r(NULL, ",", &save)) {
        p += *p == ' ';
        if (col && col + 2 + (int)strlen(p) > 79) {
            fputs(",\n", stdout);
            col = 0;
        }
        col += col ? printf(", %s", p) : printf("%26s%s", "", p);
    }
    fputs("\n", stdout);
}

static void print_help(void)
{
    char list[600];
    lrp_method_list(list, sizeof list);
    fputs(help_top, stdout);
    print_list(list);
    fputs(help_rules, stdout);
    lrp_first_rule_list(list, sizeof list);
    print_list(list);
    fputs(help_rest, stdout);
    fputs("  --colormap NAME         ", stdout);
    for (int i = 0; lrp_colormap_name(i); i++)
        printf("%s%s%s", i ? ", " : "", lrp_colormap_name(i),
               i == LRP_CMAP_BWR ? " (default)" : "");
    fputs("\n", stdout);
    fputs(help_pictures, stdout);
    fputs(cli_method_options_help, stdout);
    fputs(help_modes, stdout);
}

static int parse(int argc, char **argv, explain_opts *o)
{
    cli_args a = {argc, argv, 1};
    int status = CLI_OK;
    for (; a.i < argc && status == CLI_OK; a.i++) {
        const char *arg = argv[a.i];
        if (cli_is(arg, "--help") || cli_is(arg, "-h")) {
            print_help();
            return -1;
        } else if (take_option(&a, o, &status)) {
        } else if (arg[0] == '-' && arg[1]) {
            return cli_usage_error("explain", "unknown option '%s'", arg);
        } else if (!o->model) {
            o->model = arg;
        } else {
            o->inputs[o->n_inputs++] = argv[a.i];
        }
    }
    if (status)
        return status;
    if ((status = check_scopes(o)))
        return status;
    if (o->relevance_out && !o->relevance_out[0])
        return cli_usage_error("explain", "--relevance-out needs a file name");
    if (o->topk > 1 && o->config.target >= 0)
        return cli_usage_error("explain",
                               "--topk %d and --target %d: give one (--topk explains "
                               "each image's top classes)",
                               o->topk, o->config.target);
    if (!o->model || (!o->input_tensor && o->n_inputs == 0))
        return cli_usage_error("explain", "need MODEL.onnx and images or --input-tensor X.npy");
    if (o->input_tensor && o->n_inputs)
        return cli_usage_error("explain", "give images or --input-tensor, not both");
    return CLI_OK;
}

static void print_image(const lrp_report *rep, int i, const lrp_explainer *e, bool json,
                        const double ms[2])
{
    lrp_image_report ir = lrp_report_image(rep, i);
    char what[32];
    snprintf(what, sizeof what, "image %d", i);
    cli_warn_lost_relevance(&ir, what);
    if (!json && !lrp_explainer_conserves(e)) {
        printf("image %d: target %d  (%s defines no conservation)\n", i, ir.target,
               lrp_explainer_preset(e));
        return;
    }
    if (!json) {
        char losses[96];
        cli_relevance_losses(&ir, losses, sizeof losses);
        printf(
            "image %d: target %d  R_out %.6g  sum R_in %.6g (%s)  conservation error %+.3e\n",
            i, ir.target, ir.output_relevance, ir.input_relevance_sum, losses,
            ir.conservation_error);
        return;
    }
    lrp_json j;
    lrp_json_init(&j, stdout, 0);
    lrp_json_begin_object(&j);
    lrp_json_key(&j, "image");
    lrp_json_int(&j, i);
    cli_json_image_fields(&j, rep, i, e, ms[0], ms[1]);
    size_t weights, kept;
    lrp_report_memory(rep, &weights, &kept);
    lrp_json_key(&j, "peak_rss_mib");
    lrp_json_double(&j, cli_peak_rss_mib());
    lrp_json_key(&j, "weights_mib");
    lrp_json_double(&j, (double)weights / (1 << 20));
    lrp_json_key(&j, "kept_mib");
    lrp_json_double(&j, (double)kept / (1 << 20));
    lrp_json_end_object(&j);
    fputc('\n', stdout);
}

/* Explains x 'repeat' times (benchmarks); ms = median forward and
 * explain times; *r and *rep are the last run's. */
static lrp_status timed_explain(lrp_explainer *e, const lrp_array *x, int repeat, lrp_array *r,
                                lrp_report **rep, double ms[2], lrp_error *err)
{
    double fwd[1000], lrp[1000];
    int runs = repeat < 1 ? 1 : repeat > 1000 ? 1000 : repeat;
    for (int i = runs > 1 ? -1 : 0; i < runs; i++) { /* -1: untimed, allocates */
        lrp_array_free(r);
        lrp_report_free(*rep);
        *rep = NULL;
        lrp_status st = lrp_explain(e, x, r, rep, err);
        if (st)
            return st;
        if (i >= 0) {
            fwd[i] = lrp_report_forward_ms(*rep);
            lrp[i] = lrp_report_explain_ms(*rep);
        }
    }
    ms[0] = cli_median(fwd, runs);
    ms[1] = cli_median(lrp, runs);
    return LRP_OK;
}

/* o->config with the zbox bounds of the mean and std in force for the
 * model's input channels (x's where the model's are dynamic), resolved as
 * in image mode; the library's defaults where nothing gives them. */
static lrp_status tensor_config(const explain_opts *o, const lrp_model *m, const lrp_array *x,
                                lrp_config *c, lrp_error *err)
{
    lrp_preprocessing p;
    *c = o->config;
    cli_preprocessing_overrides(o, &p);
    lrp_status st = lrp_normalization_for_model(m, x, &p, err); /* names the model */
    if (!st && p.channels &&
        (st = lrp_config_set_normalization(c, p.channels, p.mean, p.std, err)))
        lrp_error_prefix(err, "%s", o->model);
    return st;
}

/* The explainer for x, its notes said once, its threads set, warmed up for
 * x's shape (so that the timed runs, the first included, pack nothing). */
static lrp_status tensor_explainer(const explain_opts *o, lrp_model *m, const lrp_array *x,
                                   lrp_explainer **e, lrp_error *err)
{
    lrp_config c;
    lrp_status st = tensor_config(o, m, x, &c, err);
    if (!st)
        st = lrp_explainer_new(m, &c, e, err);
    if (st)
        return st;
    lrp_explainer_set_method_params(*e, &o->methods);
    cli_print_notes(*e);
    st = lrp_explainer_set_threads(*e, o->threads ? o->threads : cli_cores(), err);
    return st ? st : lrp_explainer_warm_up(*e, x->rank, x->dims, err);
}

int cli_explain_tensor(const explain_opts *o, lrp_model *m)
{
    lrp_error err = {0};
    lrp_explainer *e = NULL;
    lrp_array x = {0}, r = {0};
    lrp_report *rep = NULL;
    int status = CLI_OK;
    double ms[2];
    if (cli_read_input(o->input_tensor, &x, &err) || tensor_explainer(o, m, &x, &e, &err) ||
        timed_explain(e, &x, o->repeat, &r, &rep, ms, &err) ||
        (o->relevance_out && lrp_npy_save(o->relevance_out, &r, &err))) {
        status = cli_fail(&err);
    } else {
        for (int i = 0; i < lrp_report_images(rep); i++)
            print_image(rep, i, e, o->json, ms);
        for (int i = 0; o->check_tol >= 0 && i < lrp_report_images(rep) && !status; i++) {
            char what[32];
            snprintf(what, sizeof what, "image %d", i);
            status = cli_check_conservation(rep, i, o->check_tol, what);
        }
    }
    lrp_report_free(rep);
    lrp_array_free(&x);
    lrp_array_free(&r);
    lrp_explainer_free(e);
    return status;
}

/* --target and --topk within the model's classes, before any work. */
static int check_classes(const explain_opts *o, const lrp_model *m)
{
    int classes = cli_model_classes(m);
    if (classes > 0 && o->config.target >= classes)
        return cli_usage_error("explain", "--target %d: the model has %d classes (0 to %d)",
                               o->config.target, classes, classes - 1);
    if (classes > 0 && o->topk > classes)
        return cli_usage_error("explain", "--topk %d: the model has %d classes", o->topk,
                               classes);
    return CLI_OK;
}

int cli_explain_main(int argc, char **argv, const struct eval_merge *merge)
{
    explain_opts o = {.command = "explain",
                      .check_tol = -1.0,
                      .resize = -1,
                      .crop_h = -1,
                      .crop_w = -1,
                      .overlay_alpha = 0.6,
                      .topk = 1,
                      .argv = argv,
                      .argc = argc,
                      .merge = merge};
    lrp_config_init(&o.config);
    lrp_method_params_init(&o.methods);
    o.inputs = calloc((size_t)argc + 1, sizeof *o.inputs);
    if (!o.inputs)
        return CLI_BAD_INPUT;
    int status = parse(argc, argv, &o);
    if (status) {
        free(o.inputs);
        return status < 0 ? CLI_OK : status;
    }
    if ((status = cli_method_options_check("explain", o.methods_given,
                                           o.config.preset ? o.config.preset
                                                           : "epsilon-plus-flat"))) {
        free(o.inputs);
        return status;
    }
    if (o.check_tol >= 0 && lrp_preset_conserves(o.config.preset) == 0) {
        free(o.inputs);
        return cli_usage_error("explain",
                               "--check-conservation: preset '%s' defines no "
                               "conservation (only the LRP presets do)",
                               o.config.preset);
    }
    lrp_error err = {0};
    lrp_model *m = NULL;
    if (cli_load_model(o.model, &m, &err)) {
        free(o.inputs);
        return cli_fail(&err);
    }
    if (!(status = check_classes(&o, m)))
        status = o.input_tensor ? cli_explain_tensor(&o, m) : cli_explain_images(&o, m);
    lrp_model_free(m);
    free(o.inputs);
    return status;
}

int cmd_explain(int argc, char **argv)
{
    return cli_explain_main(argc, argv, NULL);
}
