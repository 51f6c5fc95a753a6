/* onnx-lrp evaluate: the paper's Insertion/Deletion/ID metric for several
 * methods on the same images, with the model's own forward pass. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/eval_resume.h"
#include "cli/evaluate.h"
#include "cli/method_spec.h"
#include "cli/run_status.h"
#include "cli/shard.h"
#include "io/heatmap.h"
#include "util/clock.h"
#include "util/error.h"

static const char help[] =
    "usage: onnx-lrp evaluate MODEL.onnx IMAGE|DIR|@LIST... [options]\n"
    "\n"
    "Scores explanation methods with the Insertion/Deletion metric of Otsuki et\n"
    "al. (ECCV 2024): pixels are revealed (Insertion) or blacked out (Deletion)\n"
    "in the order of each method's map, and the area under the curve of the\n"
    "label's probability is taken; ID = Insertion - Deletion (higher is better).\n"
    "\n"
    "  --methods LIST          comma-separated; each PRESET[:SPLIT][+hq], a baseline\n"
    "                          (gradient, gradient-x-input, guided-backprop,\n"
    "                          deconvnet, grad-cam, integrated-gradients,\n"
    "                          smoothgrad, occlusion, rise, score-cam) or random.\n"
    "                          +hq applies the paper's heat quantization (8 levels).\n"
    "                          Default: otsuki2024+hq, otsuki2024:symmetric+hq,\n"
    "                          otsuki2024:ratio-projection-only+hq, epsilon-plus-flat,\n"
    "                          epsilon-gamma-box, gradient-x-input, grad-cam, random.\n"
    "                          table1: the paper's Table 1 (otsuki2024+hq, epsilon,\n"
    "                          integrated-gradients, guided-backprop, grad-cam,\n"
    "                          score-cam) and random; table2: its split ablation.\n"
    "                          The first method is compared with each other\n"
    "  --labels-csv FILE       file,label lines (file matched by name), checked before\n"
    "                          any work; an image without a row fails; without it\n"
    "                          the predicted class is the label\n"
    "  --limit N               evaluate at most N images\n"
    "  --step S                pixels per step (default: ceil(pixels / 100)); with\n"
    "                          --patch, patches per step (ceil(patches / 100))\n"
    "  --patch P               rank P x P patches, the map max-pooled over each (the\n"
    "                          authors' metrics/patch_insdel.py; default 1: pixels)\n"
    "  --batch B               perturbed images per forward pass (default 16; an\n"
    "                          image's last pass is filled up to B)\n"
    "  --threads N             threads (default: all cores; the results do not\n"
    "                          depend on N): explanations split each layer, the\n"
    "                          curves' forward passes run one per thread\n"
    "  -o, --output-dir DIR    write evaluate.json (per image), curves.svg,\n"
    "                          conservation.svg (Σ R_in against p per image, for\n"
    "                          the methods that define conservation) and\n"
    "                          timing.json (seconds and inputs run for the curves\n"
    "                          per image per method, and each method's one-time\n"
    "                          setup, 0 when every image comes from a record)\n"
    "                          (the folder and its missing parents are made)\n"
    "  --resize, --crop, --mean, --std   as for explain\n"
    "  --shard K/N|auto        evaluate only the images whose index in the sorted\n"
    "                          input list mod N is K (auto: from SLURM_ARRAY_TASK_ID\n"
    "                          and SLURM_ARRAY_TASK_COUNT); join shards with merge\n"
    "  --force                 recompute images whose record in DIR/records is\n"
    "                          already there (by default a rerun with the same\n"
    "                          model, options and version reuses them)\n"
    "\n"
    "With -o, every image's results go to DIR/records/<stem>.eval as soon as it is\n"
    "done, and DIR/status says how far the run is (onnx-lrp status DIR).\n"
    "\n"
    "Prints a table: per method the mean +- standard error over images of\n"
    "Insertion, Deletion and ID, and the mean conservation error (\"-\", and null\n"
    "in evaluate.json, for methods that define none); then the accuracy. Progress\n"
    "goes to stderr when it is a terminal.\n";

static const char *default_methods =
    "otsuki2024+hq,otsuki2024:symmetric+hq,otsuki2024:ratio-projection-only+hq,"
    "epsilon-plus-flat,epsilon-gamma-box,gradient-x-input,grad-cam,random";

typedef struct eval_opts {
    explain_opts img; /* the image options, shared with explain */
    const char *methods, *labels_csv;
    int limit, step, batch;
    int patch; /* --patch P: the metric ranks P x P patches (1: pixels) */
    cli_shard shard;
    bool force;
} eval_opts;

static int parse(int argc, char **argv, eval_opts *o)
{
    static const char *const image_valued[] = {"--resize", "--crop", "--mean", "--std"};
    cli_args a = {argc, argv, 1};
    int status = CLI_OK;
    for (; a.i < argc && status == CLI_OK; a.i++) {
        const char *arg = argv[a.i], *v = NULL;
        bool image = false;
        for (size_t k = 0; k < sizeof image_valued / sizeof *image_valued && !image; k++) {
            image = cli_value(&a, image_valued[k], &v, &status);
            if (image && !status)
                status = cli_image_option(image_valued[k], v, &o->img);
        }
        if (image)
            continue;
        if (cli_is(arg, "--help") || cli_is(arg, "-h")) {
            fputs(help, stdout);
            fputs(cli_method_options_help, stdout);
            return -1;
        } else if (cli_method_option("evaluate", &a, &o->img.methods, &o->img.methods_given,
                                     &status)) {
        } else if (cli_is(arg, "--force")) {
            o->force = true;
        } else if (cli_value(&a, "--shard", &v, &status)) {
            if (!status && (status = cli_parse_shard("evaluate", v, &o->shard)))
                return status;
        } else if (cli_value(&a, "--labels", &v, &status)) {
            return status ? status
                          : cli_usage_error("evaluate", "--labels has no effect here "
                                                        "(evaluate prints no class names)");
        } else if (cli_value(&a, "--methods", &o->methods, &status) ||
                   cli_value(&a, "--labels-csv", &o->labels_csv, &status) ||
                   cli_value(&a, "--output-dir", &o->img.out_dir, &status) ||
                   cli_value(&a, "-o", &o->img.out_dir, &status)) {
        } else if (cli_value(&a, "--limit", &v, &status) ||
                   cli_value(&a, "--step", &v, &status) ||
                   cli_value(&a, "--batch", &v, &status)) {
            int *dst = strstr(arg, "limit")  ? &o->limit
                       : strstr(arg, "step") ? &o->step
                                             : &o->batch;
            if (!status && !cli_parse_count(v, dst))
                return cli_usage_error("evaluate", "%s takes a positive count, not '%s'", arg,
                                       v);
        } else if (cli_value(&a, "--patch", &v, &status)) {
            if (!status && !cli_parse_count(v, &o->patch))
                return cli_usage_error("evaluate", "--patch takes a positive count, not '%s'",
                                       v);
        } else if (cli_value(&a, "--threads", &v, &status)) {
            if (!status && !cli_parse_threads(v, &o->img.threads))
                return cli_usage_error("evaluate",
                                       "--threads takes a count from 1 to %d, not '%s'",
                                       CLI_MAX_THREADS, v);
        } else if (arg[0] == '-' && arg[1]) {
            return cli_usage_error("evaluate", "unknown option '%s'", arg);
        } else if (!o->img.model) {
            o->img.model = arg;
        } else {
            o->img.inputs[o->img.n_inputs++] = argv[a.i];
        }
    }
    if (!status && (!o->img.model || !o->img.n_inputs))
        return cli_usage_error("evaluate", "need MODEL.onnx and images");
    o->methods = cli_methods_expand(o->methods ? o->methods : default_methods);
    if (!status)
        status = cli_methods_check(o->methods);
    return status ? status
                  : cli_method_options_check("evaluate", o->img.methods_given, o->methods);
}

/* "otsuki2024:symmetric+hq" -> an explainer with that preset and split,
 * its zbox bounds from the preprocessing p. */
static lrp_status make_method(eval_method *em, const char *spec, lrp_model *m,
                              const eval_run *r, int n_images, int threads, lrp_error *err)
{
    snprintf(em->name, sizeof em->name, "%s", spec);
    cli_method_spec ms;
    lrp_status st = cli_method_parse(spec, &ms, err);
    if (st)
        return st;
    em->quantize = ms.quantize;
    em->ins = calloc((size_t)n_images + 1, sizeof *em->ins);
    em->del = calloc((size_t)n_images + 1, sizeof *em->del);
    em->cons = calloc((size_t)n_images + 1, sizeof *em->cons);
    em->r_in = calloc((size_t)n_images + 1, sizeof *em->r_in);
    em->prob = calloc((size_t)n_images + 1, sizeof *em->prob);
    if (!em->ins || !em->del || !em->cons || !em->r_in || !em->prob)
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
    em->random = ms.preset == NULL;
    if (em->random)
        return LRP_OK;
    lrp_config c;
    lrp_config_init(&c);
    c.preset = ms.preset;
    c.split = ms.split;
    const lrp_preprocess *p = &r->setup->pre;
    st = lrp_config_set_normalization(&c, p->channels, p->mean, p->std, err);
    if (st == LRP_OK)
        st = lrp_explainer_new(m, &c, &em->e, err);
    if (st == LRP_OK)
        lrp_explainer_set_method_params(em->e, r->params);
    em->lrp = st == LRP_OK && lrp_explainer_conserves(em->e);
    em->relevance = em->lrp && !lrp_multipass_find(ms.preset);
    if (st == LRP_OK)
        st = lrp_explainer_set_threads(em->e, threads, err);
    if (st)
        lrp_error_prefix(err, "method '%s'", spec);
    return st;
}

/* Each method ready before the first image computed, so that the images'
 * seconds are its cost per image and the one-time part (setup_seconds) is
 * reported beside it (evaluate_image); a merge or a run resumed whole,
 * which computes nothing, warms nothing up. */
static lrp_status warm_up_methods(eval_run *r, lrp_model *m, lrp_error *err)
{
    int64_t dims[4];
    if (!cli_one_input_dims(m, dims))
        return LRP_OK;
    for (int k = 0; k < r->n_methods; k++) {
        eval_method *em = &r->methods[k];
        if (!em->e)
            continue; /* random */
        double t0 = lrp_now_ms();
        lrp_status st = lrp_explainer_warm_up(em->e, 4, dims, err);
        em->setup_seconds = (lrp_now_ms() - t0) / 1e3;
        if (st) {
            lrp_error_prefix(err, "method '%s'", em->name);
            return st;
        }
    }
    return LRP_OK;
}

/* Each method's notes on stderr, once for methods that share them. */
static void print_notes(const eval_run *r)
{
    for (int k = 0; k < r->n_methods; k++) {
        const lrp_explainer *e = r->methods[k].e;
        bool said = false;
        for (int q = 0; e && q < k && !said; q++)
            said = r->methods[q].e && lrp_explainer_notes(r->methods[q].e) > 0 &&
                   lrp_explainer_note(r->methods[q].e, 0) == lrp_explainer_note(e, 0);
        if (e && !said)
            cli_print_notes(e);
    }
}

static lrp_status make_methods(eval_run *r, const char *list, lrp_model *m, int n_images,
                               int threads, lrp_error *err)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", list);
    r->methods = calloc(CLI_MAX_METHODS, sizeof *r->methods);
    if (!r->methods)
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (r->n_methods == CLI_MAX_METHODS)
            return lrp_error_set(err, LRP_ERR_ARG, "at most %d methods", CLI_MAX_METHODS);
        lrp_status st = make_method(&r->methods[r->n_methods++], tok, m, r, n_images, threads,
                                    err);
        if (st)
            return st;
    }
    print_notes(r);
    return r->n_methods ? LRP_OK : lrp_error_set(err, LRP_ERR_ARG, "no method in --methods");
}

typedef struct forward_ctx {
    lrp_model *m;
    lrp_output_kind kind; /* what the model's output holds */
    int64_t c, h, w;
    int batch;   /* inputs per forward, always: one shape keeps the model's
                    workspace and oneDNN's primitives from being remade */
    float *fill; /* (batch, c, h, w): a short batch filled up, made on first use */
} forward_ctx;

/* The probability of 'label' for a batch (b, c, h, w), b <= f->batch,
 * through the model; a short batch runs filled up with copies of its
 * last input, whose probabilities are dropped. */
static lrp_status batch_probability(void *ctx, const float *batch, int b, int label,
                                    float *prob, lrp_error *err)
{
    forward_ctx *f = ctx;
    size_t chw = (size_t)(f->c * f->h * f->w);
    if (b < f->batch && !f->fill && !(f->fill = malloc((size_t)f->batch * chw * sizeof(float))))
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory for a batch of %d", f->batch);
    if (b < f->batch) {
        memcpy(f->fill, batch, (size_t)b * chw * sizeof(float));
        for (int i = b; i < f->batch; i++)
            memcpy(f->fill + (size_t)i * chw, batch + (size_t)(b - 1) * chw,
                   chw * sizeof(float));
    }
    lrp_array x = {.rank = 4,
                   .dims = {f->batch, f->c, f->h, f->w},
                   .data = b < f->batch ? f->fill : (float *)batch},
              y = {0};
    lrp_status st = lrp_model_forward(f->m, &x, &y, err);
    if (st)
        return st;
    int classes = (int)(lrp_array_count(&y) / (size_t)f->batch);
    for (int i = 0; i < b; i++)
        prob[i] = (float)lrp_output_probability(f->kind, y.data + (size_t)i * classes, classes,
                                                label);
    lrp_array_free(&y);
    return LRP_OK;
}

/* splitmix64: the random baseline's seeded, platform-independent numbers. */
static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void random_map(float *map, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; i++)
        map[i] = (float)(splitmix64(&seed) >> 40) / (float)(1u << 24);
}

/* The map of method k for image x: explanation (channel sum) or random,
 * seeded by the image's index in the whole input list alone (the same in
 * every shard, and whatever else --methods lists); s gets its conservation
 * error, sums and cost. */
static lrp_status method_map(eval_method *em, int k, const lrp_array *x, float *map,
                             eval_scores *s, lrp_error *err)
{
    int c = (int)x->dims[1], h = (int)x->dims[2], w = (int)x->dims[3];
    s->cons[k] = s->r_in[k] = s->prob[k] = NAN;
    s->seconds[k] = 0.0;
    s->forwards[k] = s->backwards[k] = 0;
    if (em->random) {
        random_map(map, (size_t)h * (size_t)w, (uint64_t)s->index);
        return LRP_OK;
    }
    lrp_array rel = {0};
    lrp_report *rep = NULL;
    double t0 = lrp_now_ms();
    lrp_status st = lrp_explainer_set_target(em->e, s->label, err);
    if (st == LRP_OK)
        st = lrp_explain(em->e, x, &rel, &rep, err);
    if (st == LRP_OK) {
        lrp_channel_sum(rel.data, c, h, w, map);
        lrp_image_report ir = lrp_report_image(rep, 0);
        s->cons[k] = ir.conservation_error;
        s->r_in[k] = ir.input_relevance_sum;
        s->prob[k] = ir.probability;
        s->seconds[k] = (lrp_now_ms() - t0) / 1e3;
        lrp_report_passes(rep, &s->forwards[k], &s->backwards[k]);
    }
    lrp_report_free(rep);
    lrp_array_free(&rel);
    return st;
}

/* Adds one image's curves to the method's sums. */
static lrp_status add_curves(eval_method *em, const lrp_insdel_result *res, lrp_error *err)
{
    if (!em->ins_curve) {
        em->n_points = res->n;
        em->ins_curve = calloc((size_t)res->n, sizeof *em->ins_curve);
        em->del_curve = calloc((size_t)res->n, sizeof *em->del_curve);
        if (!em->ins_curve || !em->del_curve)
            return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
    }
    if (res->n != em->n_points)
        return lrp_error_set(err, LRP_ERR_ARG,
                             "images give curves of %d and %d points: use "
                             "a fixed crop",
                             em->n_points, res->n);
    for (int k = 0; k < res->n; k++) {
        em->ins_curve[k] += res->ins[k];
        em->del_curve[k] += res->del[k];
    }
    return LRP_OK;
}

/* (C, H, W) in [0,1] from the display image (H, W, 3). */
static void image01_from_display(const lrp_image *d, int c, float *out)
{
    size_t hw = (size_t)d->width * (size_t)d->height;
    for (int ch = 0; ch < c; ch++)
        for (size_t p = 0; p < hw; p++)
            out[(size_t)ch * hw + p] = d->data[p * 3 + (size_t)ch];
}

/* The predicted class; *classes gets the number of classes. -1 on error. */
static int argmax_class(lrp_model *m, const lrp_array *x, int *classes, lrp_error *err)
{
    lrp_array y = {0};
    if (lrp_model_forward(m, x, &y, err))
        return -1;
    int best = 0;
    *classes = (int)lrp_array_count(&y);
    for (int k = 1; k < *classes; k++)
        best = y.data[k] > y.data[best] ? k : best;
    lrp_array_free(&y);
    return best;
}

typedef struct eval_ctx {
    eval_run *r;
    const eval_opts *o;
    lrp_model *m;
    eval_resume *rs;
    lrp_model *forks[CLI_MAX_THREADS]; /* one per thread, one thread each: the curves' */
    int n_forks;
    bool warmed; /* warm_up_methods has run */
} eval_ctx;

/* Pixels per step of the metric: --step pixels; with --patch P, --step
 * patches of P x P (default: a hundredth of them, rounded up) times P². */
static int pixel_step(const eval_opts *o, const image_setup *setup)
{
    int p = o->patch, units = (setup->pre.crop_h / p) * (setup->pre.crop_w / p);
    return (o->step ? o->step : (units + 99) / 100) * p * p;
}

/* Every method's map, then all their curves in one sequence of forward
 * passes, the threads taking its batches in turn, into s (s->index and
 * label set). */
static lrp_status score_methods(eval_ctx *ec, const lrp_array *x, const float *img01,
                                eval_scores *s, lrp_error *err)
{
    eval_run *r = ec->r;
    const lrp_preprocess *p = &r->setup->pre;
    int c = (int)x->dims[1], h = (int)x->dims[2], w = (int)x->dims[3];
    size_t hw = (size_t)h * (size_t)w;
    forward_ctx fctx[CLI_MAX_THREADS];
    void *ctx[CLI_MAX_THREADS];
    for (int t = 0; t < ec->n_forks; t++) {
        fctx[t] = (forward_ctx){
            ec->forks[t], lrp_model_output_kind(ec->m), c, h, w, ec->o->batch, NULL};
        ctx[t] = &fctx[t];
    }
    lrp_insdel_config cfg = {.step = pixel_step(ec->o, r->setup), .max_batch = ec->o->batch};
    float *maps = malloc((size_t)r->n_methods * hw * sizeof *maps);
    const float *map_of[CLI_MAX_METHODS];
    lrp_status st = maps ? LRP_OK : lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
    for (int k = 0; st == LRP_OK && k < r->n_methods; k++) {
        eval_method *em = &r->methods[k];
        float *map = maps + (size_t)k * hw;
        map_of[k] = map;
        st = method_map(em, k, x, map, s, err);
        if (st == LRP_OK && em->quantize)
            lrp_heat_quantize(map, hw, 8);
        if (st == LRP_OK && ec->o->patch > 1) /* after quantizing, as the authors' code */
            lrp_insdel_patch_max(map, h, w, ec->o->patch);
    }
    s->n_methods = r->n_methods;
    if (st == LRP_OK)
        st = lrp_insdel_run_maps(img01, c, h, w, p->mean, p->std, map_of, r->n_methods,
                                 s->label, &cfg, batch_probability, ctx, ec->n_forks, s->res,
                                 err);
    for (int t = 0; t < ec->n_forks; t++)
        free(fctx[t].fill);
    free(maps);
    return st;
}

/* One image's scores into the run: added to the sums only as a whole, so a
 * failing image leaves no trace in the means. */
static lrp_status add_scores(eval_run *r, const char *path, const eval_scores *s,
                             lrp_error *err)
{
    int i = r->n_images;
    lrp_status st = LRP_OK;
    for (int k = 0; st == LRP_OK && k < r->n_methods; k++)
        if ((st = add_curves(&r->methods[k], &s->res[k], err)) == LRP_OK) {
            r->methods[k].ins[i] = s->res[k].ins_auc;
            r->methods[k].del[i] = s->res[k].del_auc;
            r->methods[k].cons[i] = s->cons[k];
            r->methods[k].r_in[i] = s->r_in[k];
            r->methods[k].prob[i] = s->prob[k];
            r->methods[k].seconds += isnan(s->seconds[k]) ? 0.0 : s->seconds[k];
            r->methods[k].timed += !isnan(s->seconds[k]);
            r->methods[k].curve_forwards += isnan(s->seconds[k]) ? 0 : s->res[k].forwards;
            r->methods[k].forwards += s->forwards[k];
            r->methods[k].backwards += s->backwards[k];
        }
    r->label[i] = s->label;
    r->predicted[i] = s->predicted;
    if (st == LRP_OK && !(r->files[i] = malloc(strlen(path) + 1)))
        st = lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
    if (st == LRP_OK) {
        strcpy(r->files[i], path);
        r->n_images++;
    }
    return st;
}

/* One image: label, prediction, every method's curves into s. */
static lrp_status compute_image(eval_ctx *ec, const char *path, eval_scores *s, lrp_error *err)
{
    eval_run *r = ec->r;
    lrp_array x = {0};
    lrp_image display = {0};
    lrp_status st = image_setup_load(r->setup, path, &x, &display, NULL, err);
    if (st)
        return st;
    int c = (int)x.dims[1], classes = 0;
    float *img01 = malloc(lrp_array_count(&x) * sizeof *img01);
    int predicted = img01 ? argmax_class(ec->m, &x, &classes, err) : -1;
    int label = r->csv ? cli_labels_csv_find(r->csv, path) : predicted;
    if (!img01 || predicted < 0) {
        st = img01 ? err->status : lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
    } else if (label < 0) {
        st = lrp_error_set(err, LRP_ERR_PARSE, "%s: no row for this file name in %s", path,
                           ec->o->labels_csv);
    } else if (label >= classes) {
        st = lrp_error_set(err, LRP_ERR_SHAPE,
                           "%s: label %d in %s is out of range: the model "
                           "has %d classes",
                           path, label, ec->o->labels_csv, classes);
    } else {
        image01_from_display(&display, c, img01);
        s->label = label;
        s->predicted = predicted;
        st = score_methods(ec, &x, img01, s, err);
    }
    free(img01);
    lrp_array_free(&x);
    lrp_image_free(&display);
    return st;
}

/* One input: its record when one is usable (always so in merge), else
 * computed and recorded; then into the run. *fatal: the failure is the
 * run's (records, status file), not the image's. */
static lrp_status evaluate_image(eval_ctx *ec, const cli_input *it, bool *fatal, lrp_error *err)
{
    eval_scores s = {.index = it->index};
    bool resumed = false;
    lrp_status st = eval_resume_lookup(ec->rs, it, ec->r->n_methods, &s, &resumed, fatal, err);
    if (st == LRP_OK && !resumed && !ec->warmed) {
        ec->warmed = true;
        *fatal = (st = warm_up_methods(ec->r, ec->m, err)) != LRP_OK;
    }
    if (st == LRP_OK && !resumed && (st = compute_image(ec, it->path, &s, err)) == LRP_OK)
        *fatal = (st = eval_resume_record(ec->rs, it, &s, err)) != LRP_OK;
    if (st == LRP_OK)
        st = add_scores(ec->r, it->path, &s, err);
    eval_scores_free(&s);
    lrp_error count_err = {0};
    if (!*fatal && eval_resume_count(ec->rs, it, st == LRP_OK, !resumed, &count_err)) {
        *fatal = true;
        *err = count_err;
        st = count_err.status;
    }
    return st;
}

static void progress(int done, int total, double t0)
{
    double s = (lrp_now_ms() - t0) / 1e3, rate = done / (s > 0 ? s : 1e-9);
    fprintf(stderr, "\r\033[K%d/%d images, %.2f images/s, ETA %.0f s%s", done, total, rate,
            (total - done) / (rate > 0 ? rate : 1e-9), done == total ? "\n" : "");
}

static int run_all(eval_ctx *ec, const cli_inputs *in)
{
    int failed = 0, total = in->count;
    bool tty = isatty(STDERR_FILENO);
    double t0 = lrp_now_ms();
    for (int i = 0; i < total; i++) {
        lrp_error err = {0};
        bool fatal = false;
        lrp_status st = evaluate_image(ec, &in->items[i], &fatal, &err);
        if (fatal || st == LRP_ERR_NOMEM || st == LRP_ERR_ARG || st == LRP_ERR_UNSUPPORTED)
            return cli_fail(&err); /* a problem of the run, not of one image */
        if (st) {
            fprintf(stderr, "%sonnx-lrp: %s\n", tty ? "\r\033[K" : "", err.message);
            failed++;
        }
        if (tty)
            progress(i + 1, total, t0);
    }
    return failed ? CLI_FAILED : CLI_OK;
}

static void free_run(eval_run *r)
{
    for (int k = 0; r->methods && k < r->n_methods; k++) {
        eval_method *em = &r->methods[k];
        lrp_explainer_free(em->e);
        free(em->ins);
        free(em->del);
        free(em->cons);
        free(em->r_in);
        free(em->prob);
        free(em->ins_curve);
        free(em->del_curve);
    }
    for (int i = 0; r->files && i < r->n_images; i++)
        free(r->files[i]);
    free(r->methods);
    free(r->files);
    free(r->label);
    free(r->predicted);
}

/* evaluate.json, curves.svg, conservation.svg (when a method defines
 * conservation) and timing.json into dir. */
static lrp_status write_outputs(const eval_run *r, const char *dir, lrp_error *err)
{
    char json[4096], svg[4096], cons[4096], timing[4096];
    snprintf(json, sizeof json, "%s/evaluate.json", dir);
    snprintf(svg, sizeof svg, "%s/curves.svg", dir);
    snprintf(cons, sizeof cons, "%s/conservation.svg", dir);
    snprintf(timing, sizeof timing, "%s/timing.json", dir);
    lrp_status st = eval_write_json(r, json, err);
    st = st ? st : eval_write_curves(r, svg, err);
    st = st ? st : eval_write_conservation(r, cons, err);
    return st ? st : eval_write_timing(r, timing, err);
}

/* Everything a record's numbers depend on besides the model and version
 * (eval_resume adds those): the methods and their options, labels file,
 * step, batch and the resolved preprocessing. --threads and --limit change none of them. */
static lrp_status run_options(const eval_opts *o, const image_setup *setup, char *out,
                              size_t size, lrp_error *err)
{
    const lrp_preprocess *p = &setup->pre;
    char labels[32] = "none";
    if (o->labels_csv && cli_file_hash(o->labels_csv, labels, err))
        return err->status;
    size_t n = (size_t)snprintf(out, size,
                                "methods=%s; labels-csv=%s; step=%d; patch=%d; "
                                "batch=%d; resize=%d; crop=%dx%d; mean=",
                                o->methods, labels, pixel_step(o, setup), o->patch, o->batch,
                                p->resize, p->crop_h, p->crop_w);
    for (int c = 0; c < p->channels && n < size; c++)
        n += (size_t)snprintf(out + n, size - n, c ? ",%.9g" : "%.9g", p->mean[c]);
    for (int c = 0; c < p->channels && n < size; c++)
        n += (size_t)snprintf(out + n, size - n, c ? ",%.9g" : "; std=%.9g", p->std[c]);
    if (n < size)
        n += cli_method_params_string(&o->img.methods, out + n, size - n);
    return n < size ? LRP_OK : lrp_error_set(err, LRP_ERR_ARG, "--methods is too long");
}

static int evaluate(eval_opts *o, lrp_model *m, const image_setup *setup,
                    const cli_labels_csv *csv, cli_inputs *in, eval_resume *rs, char **args,
                    int n_args)
{
    lrp_error err = {0};
    eval_run r = {.model = o->img.model, .setup = setup, .csv = csv, .params = &o->img.methods};
    lrp_model_info info;
    char options[2048];
    if (lrp_model_get_info(m, &info, &err))
        return cli_fail(&err);
    if (info.input_dims[0] > 0) /* a fixed batch size takes that many at a time */
        o->batch = (int)info.input_dims[0];
    if (run_options(o, setup, options, sizeof options, &err) ||
        eval_resume_init(rs, o->img.model, options, o->shard, in, args, n_args, &err))
        return cli_fail(&err);
    r.files = calloc((size_t)in->count + 1, sizeof *r.files);
    r.label = calloc((size_t)in->count + 1, sizeof *r.label);
    r.predicted = calloc((size_t)in->count + 1, sizeof *r.predicted);
    int status = CLI_OK;
    if (!r.files || !r.label || !r.predicted ||
        make_methods(&r, o->methods, m, in->count,
                     o->img.threads ? o->img.threads : cli_cores(), &err)) {
        status = cli_fail(&err);
    } else {
        eval_ctx ec = {&r, o, m, rs, {NULL}, 0, false};
        int threads = o->img.threads ? o->img.threads : cli_cores();
        for (; ec.n_forks < threads && status == CLI_OK; ec.n_forks++)
            if (lrp_model_fork(m, &ec.forks[ec.n_forks], &err))
                status = cli_fail(&err);
        if (status == CLI_OK)
            status = run_all(&ec, in);
        for (int t = 0; t < ec.n_forks; t++)
            lrp_model_free(ec.forks[t]);
        if (status != CLI_BAD_INPUT && rs->missing)
            status = cli_usage_error("merge",
                                     "%d images missing from the shards: nothing "
                                     "written",
                                     rs->missing);
        if (status != CLI_BAD_INPUT && r.n_images > 0) {
            r.step = pixel_step(o, setup);
            r.patch = o->patch;
            eval_print_table(&r);
            if (o->img.out_dir && write_outputs(&r, o->img.out_dir, &err))
                status = cli_fail(&err);
        }
    }
    free_run(&r);
    return status;
}

/* --labels-csv, read and checked before any image: labels within the
 * model's classes, and at least one of the inputs named. */
static lrp_status read_labels_csv(const char *path, const lrp_model *m, const cli_inputs *in,
                                  cli_labels_csv *csv, lrp_error *err)
{
    lrp_status st = cli_labels_csv_read(path, cli_model_classes(m), csv, err);
    int named = 0;
    for (int i = 0; st == LRP_OK && i < in->count; i++)
        named += cli_labels_csv_find(csv, in->items[i].path) >= 0;
    if (st == LRP_OK && in->count > 0 && named == 0)
        st = lrp_error_set(err, LRP_ERR_ARG,
                           "%s names none of the %d input images (rows are "
                           "matched by file name)",
                           path, in->count);
    return st;
}

/* The images (at most --limit) and their --labels-csv rows. */
static lrp_status prepare_inputs(const eval_opts *o, const lrp_model *m, cli_inputs *in,
                                 cli_labels_csv *csv, lrp_error *err)
{
    lrp_status st = cli_inputs_expand(o->img.inputs, o->img.n_inputs, in, err);
    if (st == LRP_OK && o->limit)
        cli_inputs_truncate(in, o->limit);
    if (st == LRP_OK && o->labels_csv)
        st = read_labels_csv(o->labels_csv, m, in, csv, err);
    if (st == LRP_OK && o->shard.n)
        cli_inputs_shard(in, o->shard.k, o->shard.n);
    return st;
}

/* A --step above half the pixels (or patches) leaves a curve whose points
 * all show the whole image (method §7: the first point already takes
 * `step` pixels); --patch must tile the crop. */
static int check_step(const eval_opts *o, const image_setup *setup)
{
    int h = setup->pre.crop_h, w = setup->pre.crop_w, p = o->patch;
    if (h % p || w % p)
        return cli_usage_error("evaluate",
                               "--patch %d does not tile the %dx%d input: its sides "
                               "must be multiples of it",
                               p, h, w);
    if (p > 1 && o->step > 0 && o->step > (h / p) * (w / p) / 2)
        return cli_usage_error("evaluate",
                               "--step %d leaves no curve on %d patches of %dx%d: "
                               "at most %d",
                               o->step, (h / p) * (w / p), p, p, (h / p) * (w / p) / 2);
    int n_pixels = h * w;
    if (p == 1 && o->step > 0 && n_pixels > 1 && o->step > n_pixels / 2)
        return cli_usage_error("evaluate",
                               "--step %d leaves no curve on %dx%d = %d pixels: at "
                               "most %d",
                               o->step, setup->pre.crop_h, setup->pre.crop_w, n_pixels,
                               n_pixels / 2);
    return CLI_OK;
}

int cli_evaluate_main(int argc, char **argv, const eval_merge *merge)
{
    eval_opts o = {.batch = LRP_INSDEL_DEFAULT_BATCH, .patch = 1};
    o.img = (explain_opts){.command = "evaluate",
                           .check_tol = -1.0,
                           .resize = -1,
                           .crop_h = -1,
                           .crop_w = -1,
                           .topk = 1};
    lrp_method_params_init(&o.img.methods);
    o.img.inputs = calloc((size_t)argc + 1, sizeof *o.img.inputs);
    int status = o.img.inputs ? parse(argc, argv, &o) : CLI_BAD_INPUT;
    if (status) {
        free(o.img.inputs);
        return status < 0 ? CLI_OK : status;
    }
    lrp_error err = {0};
    lrp_model *m = NULL;
    image_setup setup = {0};
    cli_inputs in = {0};
    cli_labels_csv csv = {0};
    eval_resume rs = {.out_dir = merge ? NULL : o.img.out_dir,
                      .force = o.force,
                      .merge = merge};
    if (cli_load_model(o.img.model, &m, &err) ||
        lrp_model_set_threads(m, o.img.threads ? o.img.threads : cli_cores(), &err) ||
        image_setup_init(&setup, &o.img, m, &err) || prepare_inputs(&o, m, &in, &csv, &err) ||
        (o.img.out_dir && cli_check_out_dir(o.img.out_dir, &err)))
        status = cli_fail(&err);
    else if (!(status = check_step(&o, &setup)))
        status = in.count || o.shard.n
                     ? evaluate(&o, m, &setup, o.labels_csv ? &csv : NULL, &in, &rs, argv + 1,
                                argc - 1)
                     : cli_usage_error("evaluate", "no image among the inputs");
    eval_resume_free(&rs);
    cli_labels_csv_free(&csv);
    cli_inputs_free(&in);
    image_setup_free(&setup);
    lrp_model_free(m);
    free(o.img.inputs);
    return status;
}

int cmd_evaluate(int argc, char **argv)
{
    return cli_evaluate_main(argc, argv, NULL);
}
