/* Public explainer API: config defaults, the rule table, and lrp_explain
 * (forward, seed, reverse pass, report). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/backend.h"
#include "api/explainer.h"
#include "api/report.h"
#include "explain/gradcam.h"
#include "explain/multipass.h"
#include "explain/relevance.h"
#include "io/preprocess.h"
#include "passes/passes.h"
#include "rules/presets.h"
#include "util/finite.h"

static const char *const init_names[] = {"one", "logit", "softmax"};

#define N_INITS (int)(sizeof init_names / sizeof *init_names)

int lrp_init_from_name(const char *name)
{
    for (int i = 0; i < N_INITS; i++)
        if (strcmp(name, init_names[i]) == 0)
            return i;
    return -1;
}

const char *lrp_init_name(lrp_init init)
{
    return (int)init >= 0 && (int)init < N_INITS ? init_names[init] : NULL;
}

void lrp_config_init(lrp_config *c)
{
    memset(c, 0, sizeof *c);
    c->preset = "epsilon-plus-flat";
    c->split = LRP_SPLIT_DEFAULT;
    c->init = LRP_INIT_DEFAULT;
    c->epsilon = c->gamma = c->alpha = c->beta = -1.0;
    c->target = -1;
}

lrp_status lrp_config_set_normalization(lrp_config *c, int channels, const float *mean,
                                        const float *std, lrp_error *err)
{
    if (channels < 1 || channels > LRP_MAX_CHANNELS)
        return lrp_error_set(err, LRP_ERR_ARG, "a normalization of %d channels (1 to %d)",
                             channels, LRP_MAX_CHANNELS);
    for (int i = 0; i < channels; i++)
        if (!isfinite(mean[i]) || !(std[i] > 0) || !isfinite(std[i]))
            return lrp_error_set(err, LRP_ERR_ARG,
                                 "channel %d: mean %g, std %g: the std must be "
                                 "a number > 0",
                                 i, (double)mean[i], (double)std[i]);
    /* x = (v - mean) / std for v in [0, 1] */
    for (int i = 0; i < channels; i++) {
        c->low[i] = (0.0f - mean[i]) / std[i];
        c->high[i] = (1.0f - mean[i]) / std[i];
    }
    c->n_bounds = channels;
    return LRP_OK;
}

/* n_bounds = 0: the bounds of the default normalization for the model's
 * input channels; left 0 when that count has no default. */
static void default_bounds(const lrp_model *m, lrp_config *c)
{
    const lrp_tensor *x = &m->graph.values[m->graph.inputs[0]].tensor;
    float mean[LRP_MAX_CHANNELS], std[LRP_MAX_CHANNELS];
    int64_t channels = x->rank >= 2 ? x->dims[1] : 0;
    if (channels > 0 && channels <= LRP_MAX_CHANNELS &&
        lrp_norm_defaults((int)channels, mean, std))
        lrp_config_set_normalization(c, (int)channels, mean, std, NULL);
}

/* config.first_rule: the preset's copy with that first layer. */
static lrp_status first_rule(lrp_explainer *e, lrp_error *err)
{
    lrp_config *c = &e->config;
    if (!c->first_rule)
        return LRP_OK;
    int id = lrp_first_rule_from_name(c->first_rule);
    if (e->multipass || e->preset->method != LRP_METHOD_LRP)
        return lrp_error_set(err, LRP_ERR_ARG,
                             "first-layer rule '%s': preset '%s' has no "
                             "relevance rules",
                             c->first_rule, c->preset);
    if (id < 0) {
        char known[200];
        lrp_first_rule_list(known, sizeof known);
        return lrp_error_set(err, LRP_ERR_ARG, "unknown first-layer rule '%s' (known: %s)",
                             c->first_rule, known);
    }
    e->t->preset = *e->preset;
    e->t->preset.first = (lrp_rule_id)id;
    e->preset = &e->t->preset;
    /* the rule's static name: the caller's string need not outlive the explainer */
    c->first_rule = lrp_zrule_of(e->preset->first, 2.0f, 1.0f, e->preset->stab).name;
    return LRP_OK;
}

static lrp_status resolve(lrp_explainer *e, const lrp_config *in, lrp_error *err)
{
    lrp_config *c = &e->config;
    *c = *in;
    if (!c->preset)
        c->preset = "epsilon-plus-flat";
    if ((e->multipass = lrp_multipass_find(c->preset)))
        e->preset = lrp_preset_find(e->multipass->activation ? "grad-cam" : "gradient");
    else if (!(e->preset = lrp_preset_find(c->preset))) {
        char known[600];
        lrp_method_list(known, sizeof known);
        return lrp_error_set(err, LRP_ERR_ARG, "unknown preset '%s' (known: %s)", c->preset,
                             known);
    }
    c->preset = e->multipass ? e->multipass->name : e->preset->name;
    lrp_status st = first_rule(e, err);
    if (st)
        return st;
    if (c->split == LRP_SPLIT_DEFAULT)
        c->split = e->preset->split;
    if (c->init == LRP_INIT_DEFAULT)
        c->init = e->preset->init;
    if (!lrp_split_name(c->split) || !lrp_init_name(c->init))
        return lrp_error_set(err, LRP_ERR_ARG, "unknown split or init value");
    c->epsilon = c->epsilon < 0 ? e->preset->stab.eps : c->epsilon;
    c->gamma = c->gamma < 0 ? 0.25 : c->gamma;
    c->alpha = c->alpha < 0 ? (c->beta < 0 ? 2.0 : c->beta + 1.0) : c->alpha;
    c->beta = c->beta < 0 ? c->alpha - 1.0 : c->beta;
    if (fabs(c->alpha - c->beta - 1.0) > 1e-9)
        return lrp_error_set(err, LRP_ERR_ARG, "alpha - beta must be 1 (alpha %g, beta %g)",
                             c->alpha, c->beta);
    if (c->n_bounds < 0 || c->n_bounds > LRP_MAX_CHANNELS)
        return lrp_error_set(err, LRP_ERR_ARG, "zbox bounds for %d channels", c->n_bounds);
    if (c->n_bounds == 0)
        default_bounds(e->model, c);
    memcpy(e->t->low, c->low, sizeof e->t->low);
    memcpy(e->t->high, c->high, sizeof e->t->high);
    return LRP_OK;
}

static lrp_status check_bounds(const lrp_explainer *e, lrp_error *err)
{
    const lrp_tensor *x = &e->model->graph.values[e->model->graph.inputs[0]].tensor;
    bool zbox = e->preset->first == LRP_ID_ZBOX;
    long long channels = x->rank >= 2 ? (long long)x->dims[1] : 0;
    if (zbox && e->config.n_bounds == 0)
        return lrp_error_set(
            err, LRP_ERR_ARG,
            "the zbox bounds come from the input's mean and std, and a "
            "%lld-channel input has no default (ImageNet's has 3 channels, its "
            "luma 1): give them (--mean, --std)",
            channels);
    if (zbox && x->rank >= 2 && channels != e->config.n_bounds)
        return lrp_error_set(err, LRP_ERR_ARG,
                             "the zbox bounds cover %d channels, the model input has %lld",
                             e->config.n_bounds, channels);
    return LRP_OK;
}

/* The paper preset keeps BN apart (pass) so that z+ sees the Conv's raw
 * weights; a graph without BN nodes was most likely folded by its exporter. */
static const char bn_folded_note[] =
    "the model has no BatchNormalization nodes: if its BN was folded into the Conv weights "
    "(torch.onnx.export's default), z+ runs on the folded weights, which is not the authors' "
    "z+ on the raw weights wherever a BN scale is negative; for exact agreement with the "
    "authors' code export with BN kept: tools/export_resnet.py --bn keep, or "
    "torch.onnx.export(..., training=torch.onnx.TrainingMode.PRESERVE, "
    "do_constant_folding=False)";

static void collect_notes(lrp_explainer *e)
{
    const lrp_graph *g = &e->model->graph;
    e->n_notes = 0;
    if (e->preset->method != LRP_METHOD_LRP || e->preset->fold_bn)
        return;
    for (int i = 0; i < g->n_nodes; i++)
        if (strcmp(g->nodes[i].op_type, "BatchNormalization") == 0)
            return;
    e->notes[e->n_notes++] = bn_folded_note;
}

/* Grad-CAM's layer: the input of the last GlobalAveragePool on the path. */
static lrp_status find_cam_value(lrp_explainer *e, lrp_error *err)
{
    const lrp_graph *g = &e->model->graph;
    e->cam_value = -1;
    if (e->preset->method != LRP_METHOD_GRAD_CAM)
        return LRP_OK;
    for (int i = 0; i < g->n_nodes; i++) {
        const lrp_node *n = &g->nodes[g->order[i]];
        if (strcmp(n->op_type, "GlobalAveragePool") == 0 && e->t->rules[g->order[i]].kind &&
            e->model->shapes.t[n->inputs[0]].rank == 4)
            e->cam_value = n->inputs[0];
    }
    if (e->cam_value < 0)
        return lrp_error_set(
            err, LRP_ERR_UNSUPPORTED,
            "%s needs a GlobalAveragePool of an (N,C,H,W) activation on the way to the output",
            e->config.preset);
    return LRP_OK;
}

/* What the forward pass must keep: what the rules read, the logits, and
 * Grad-CAM's activation. */
static lrp_status mark_kept(lrp_explainer *e, lrp_error *err)
{
    const lrp_graph *g = &e->model->graph;
    e->t->keep = calloc((size_t)g->n_values + 1, sizeof *e->t->keep);
    if (!e->t->keep)
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
    for (int i = 0; i < g->n_nodes; i++)
        lrp_rule_reads(&e->t->rules[i], &g->nodes[i], e->t->keep);
    lrp_keep_mark(e->t->keep, e->seed_value, LRP_KEEP_PLAIN);
    if (e->cam_value >= 0)
        lrp_keep_mark(e->t->keep, e->cam_value, LRP_KEEP_PLAIN);
    return LRP_OK;
}

lrp_status lrp_explainer_new(lrp_model *m, const lrp_config *config, lrp_explainer **out,
                             lrp_error *err)
{
    *out = NULL;
    lrp_explainer *e = calloc(1, sizeof *e);
    if (!e)
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
    e->model = m;
    lrp_method_params_init(&e->params);
    e->seed_value = lrp_model_logits_value(m, NULL); /* relevance starts at the logits */
    e->t = calloc(1, sizeof *e->t);
    if (e->t) {
        e->t->refs = 1;
        e->t->rules = calloc((size_t)m->graph.n_nodes + 1, sizeof *e->t->rules);
    }
    lrp_status st = e->t && e->t->rules ? resolve(e, config, err)
                                        : lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
    if (st == LRP_OK)
        st = check_bounds(e, err);
    if (st == LRP_OK) {
        lrp_rule_inputs ri = {.g = &m->graph,
                              .shapes = &m->shapes,
                              .residuals = m->residuals,
                              .n_residuals = m->n_residuals,
                              .preset = e->preset,
                              .config = &e->config,
                              .low = e->t->low,
                              .high = e->t->high,
                              .n_bounds = e->config.n_bounds,
                              .seed_value = e->seed_value};
        st = lrp_pass_assign_rules(&ri, e->t->rules, err);
    }
    if (st == LRP_OK)
        st = find_cam_value(e, err);
    if (st == LRP_OK)
        st = mark_kept(e, err);
    if (st == LRP_OK)
        collect_notes(e);
    if (st == LRP_OK)
        st = lrp_explainer_set_backend(e, m->backend, err);
    if (st == LRP_OK)
        st = lrp_explainer_set_precision(e, m->precision, err);
    if (st) {
        lrp_error_prefix(err, "%s", m->path);
        lrp_explainer_free(e);
        return st;
    }
    *out = e;
    return LRP_OK;
}

void lrp_explainer_free(lrp_explainer *e)
{
    if (!e)
        return;
    lrp_relevance_free(&e->rel);
    lrp_forward_free(&e->fwd);
    lrp_relevance_free(&e->batch_rel);
    lrp_forward_free(&e->batch_fwd);
    lrp_forward_free(&e->probe);
    free(e->probe_keep);
    free(e->probe_x);
    free(e->probe_logits);
    lrp_pool_free(e->pool);
    if (e->t && --e->t->refs == 0) {
        lrp_rules_free(e->t->rules, e->model->graph.n_nodes);
        free(e->t->keep);
        lrp_dnnl_free(e->t->dnnl);
        free(e->t);
    }
    free(e);
}

lrp_status lrp_explainer_fork(const lrp_explainer *e, lrp_explainer **out, lrp_error *err)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
    (*out)->model = e->model;
    (*out)->preset = e->preset;
    (*out)->multipass = e->multipass;
    (*out)->params = e->params;
    (*out)->config = e->config;
    (*out)->seed_value = e->seed_value;
    (*out)->cam_value = e->cam_value;
    memcpy((*out)->notes, e->notes, sizeof e->notes);
    (*out)->n_notes = e->n_notes;
    (*out)->backend = e->backend;
    (*out)->precision = e->precision;
    (*out)->t = e->t;
    e->t->refs++;
    return LRP_OK;
}

lrp_status lrp_explainer_set_threads(lrp_explainer *e, int threads, lrp_error *err)
{
    return lrp_pool_resize(&e->pool, threads, err);
}

/* The forward pass runs on the model's lrp_dnnl, which packs the model's
 * own weights once for it and for every explainer; the rules' modified
 * weights go to the rule table's, which lives as long as they do. */
lrp_status lrp_explainer_set_backend(lrp_explainer *e, lrp_backend backend, lrp_error *err)
{
    lrp_backend model_backend;
    lrp_status st = lrp_precision_check(backend, e->precision, err);
    if (st == LRP_OK)
        st = lrp_backend_open(backend, &model_backend, &e->model->dnnl, err);
    return st ? st : lrp_backend_open(backend, &e->backend, &e->t->dnnl, err);
}

lrp_backend lrp_explainer_backend(const lrp_explainer *e)
{
    return e->backend;
}

/* bf16 makes the twins of both: the forward's and the rules'. */
lrp_status lrp_explainer_set_precision(lrp_explainer *e, lrp_precision precision,
                                       lrp_error *err)
{
    lrp_status st = lrp_precision_open(e->backend, precision, e->model->dnnl, err);
    if (st == LRP_OK)
        st = lrp_precision_open(e->backend, precision, e->t->dnnl, err);
    if (st == LRP_OK)
        e->precision = precision;
    return st;
}

lrp_precision lrp_explainer_precision(const lrp_explainer *e)
{
    return e->precision;
}

lrp_status lrp_explainer_set_target(lrp_explainer *e, int target, lrp_error *err)
{
    (void)err;
    e->config.target = target < 0 ? -1 : target; /* checked against the logits */
    return LRP_OK;
}

const char *lrp_explainer_preset(const lrp_explainer *e)
{
    return e->config.preset;
}

void lrp_explainer_set_method_params(lrp_explainer *e, const lrp_method_params *p)
{
    e->params = *p;
}

const lrp_method_params *lrp_explainer_method_params(const lrp_explainer *e)
{
    return &e->params;
}

int lrp_preset_conserves(const char *name)
{
    lrp_config defaults;
    lrp_config_init(&defaults);
    const lrp_preset *p = lrp_preset_find(name ? name : defaults.preset);
    const lrp_multipass *mp = p ? NULL : lrp_multipass_find(name);
    return p ? lrp_preset_defines_conservation(p) : mp ? mp->completeness : -1;
}

int lrp_explainer_conserves(const lrp_explainer *e)
{
    return e->multipass ? e->multipass->completeness
                        : lrp_preset_defines_conservation(e->preset);
}

lrp_split lrp_explainer_split(const lrp_explainer *e)
{
    return e->config.split;
}

int lrp_explainer_zbox_bounds(const lrp_explainer *e, const float **low, const float **high)
{
    *low = e->t->low;
    *high = e->t->high;
    return e->preset->first == LRP_ID_ZBOX ? e->config.n_bounds : 0;
}

int lrp_explainer_notes(const lrp_explainer *e)
{
    return e->n_notes;
}

const char *lrp_explainer_note(const lrp_explainer *e, int i)
{
    return i >= 0 && i < e->n_notes ? e->notes[i] : NULL;
}

/* Targets and seeds from the logits (n images x classes). */
static lrp_status choose_targets(const lrp_explainer *e, lrp_report *rep, lrp_error *err)
{
    for (int i = 0; i < rep->n_images; i++) {
        const float *row = rep->logits + (size_t)i * rep->n_classes;
        int t = e->config.target;
        if (t >= rep->n_classes)
            return lrp_error_set(err, LRP_ERR_ARG,
                                 "%s: target %d is out of range: the model "
                                 "has %d classes",
                                 e->model->path, t, rep->n_classes);
        if (t < 0)
            for (int k = t = 0; k < rep->n_classes; k++)
                t = row[k] > row[t] ? k : t;
        rep->target[i] = t;
        rep->seed[i] = e->config.init == LRP_INIT_ONE ? 1.0
                       : e->config.init == LRP_INIT_LOGIT
                           ? row[t]
                           : lrp_output_probability(LRP_OUTPUT_LOGITS, row, rep->n_classes, t);
    }
    return LRP_OK;
}

lrp_status lrp_explainer_prepare_in(lrp_explainer *e, lrp_forward *f, lrp_relevance *rel,
                                    const lrp_array *input, lrp_error *err)
{
    lrp_model *m = e->model;
    bool rebuilt;
    lrp_status st = lrp_model_prepare(m, f, input->rank, input->dims, e->t->keep, &rebuilt,
                                      err);
    if (st || (!rebuilt && rel->g))
        return st;
    lrp_relevance_free(rel);
    st = lrp_relevance_init(rel, &m->graph, e->t->rules, f, e->seed_value, e->cam_value,
                            m->max_bytes, err);
    if (st)
        lrp_error_prefix(err, "%s", m->path);
    return st;
}

lrp_status lrp_explainer_prepare(lrp_explainer *e, const lrp_array *input, lrp_error *err)
{
    return lrp_explainer_prepare_in(e, &e->fwd, &e->rel, input, err);
}

lrp_status lrp_explainer_warm_up(lrp_explainer *e, int rank, const int64_t *dims,
                                 lrp_error *err)
{
    if (rank != 4 || !dims)
        return lrp_error_set(err, LRP_ERR_ARG, "the input must be an (N,C,H,W) array");
    lrp_array shape = {.rank = rank};
    memcpy(shape.dims, dims, (size_t)rank * sizeof *dims);
    lrp_status st = lrp_explainer_prepare(e, &shape, err);
    lrp_dnnl *fd = lrp_explainer_dnnl(e, e->model->dnnl),
             *rd = lrp_explainer_dnnl(e, e->t->dnnl);
    if (st == LRP_OK && fd)
        lrp_forward_warm_up(&e->fwd, e->pool, fd);
    /* which runs no relevance pass on fwd; an explainer not forked keeps only
       the packed copies of the rules' modified weights */
    if (st == LRP_OK && rd && !e->multipass)
        lrp_relevance_warm_up(&e->rel, &e->fwd, e->pool, rd, e->t->refs == 1);
    for (int i = 0; st == LRP_OK && !rd && i < e->model->graph.n_nodes; i++)
        lrp_weights_fill(&e->t->rules[i].weights); /* OpenBLAS reads them: not in a timed run */
    return st == LRP_OK && e->multipass ? lrp_explainer_warm_up_multipass(e, &shape, err) : st;
}

/* The baselines' last step, on the input's buffer: gradient ⊙ input, or
 * Grad-CAM from the gradient at cam_value. */
static bool finish_method(lrp_explainer *e)
{
    const lrp_graph *g = &e->model->graph;
    const lrp_tensor *x = lrp_forward_value(&e->fwd, g->inputs[0]);
    float *r = e->rel.of[g->inputs[0]];
    size_t n = lrp_tensor_count(x);
    if (e->preset->method == LRP_METHOD_GRADIENT_X_INPUT)
        for (size_t i = 0; i < n; i++)
            r[i] *= ((const float *)x->data)[i];
    if (e->preset->method != LRP_METHOD_GRAD_CAM)
        return true;
    const lrp_tensor *a = lrp_forward_value(&e->fwd, e->cam_value);
    return lrp_gradcam(a->data, e->rel.of[e->cam_value], (int)a->dims[0], (int)a->dims[1],
                       (int)a->dims[2], (int)a->dims[3], (int)x->dims[1], (int)x->dims[2],
                       (int)x->dims[3], r);
}

lrp_status lrp_explain(lrp_explainer *e, const lrp_array *input, lrp_array *relevance,
                       lrp_report **report, lrp_error *err)
{
    memset(relevance, 0, sizeof *relevance);
    *report = NULL;
    if (input->rank != 4 || !input->data)
        return lrp_error_set(err, LRP_ERR_ARG, "the input must be an (N,C,H,W) array");
    double t0 = lrp_now_ms();
    lrp_status st = lrp_explainer_prepare(e, input, err);
    if (st == LRP_OK) /* after prepare: the dims are checked */
        st = lrp_check_finite(input->data, input->rank, input->dims, "the input", err);
    if (st)
        return st;
    lrp_model *m = e->model;
    if ((st = lrp_forward_run(&e->fwd, input->data, e->pool,
                              lrp_explainer_dnnl(e, e->model->dnnl), err)))
        return st;
    double t1 = lrp_now_ms();
    lrp_report *rep = lrp_report_new(m, lrp_forward_value(&e->fwd, e->seed_value),
                                     (int)input->dims[0]);
    if (!rep)
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory for the report");
    rep->conserves = lrp_explainer_conserves(e);
    if ((st = choose_targets(e, rep, err))) {
        lrp_report_free(rep);
        return st;
    }
    /* a multipass method needs this forward pass (its prediction, Score-CAM's
       layer) but not the gradient pass of the preset behind it */
    if (!e->multipass)
        lrp_relevance_run(&e->rel, &e->fwd, e->pool, lrp_explainer_dnnl(e, e->t->dnnl),
                          e->seed_value, rep->target, rep->seed);
    if (!e->multipass && !finish_method(e)) {
        lrp_report_free(rep);
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory for Grad-CAM");
    }
    const lrp_tensor *x = lrp_forward_value(&e->fwd, m->graph.inputs[0]);
    st = lrp_report_finish(rep, e->multipass ? NULL : &e->rel, e->t->rules, x, relevance, err);
    rep->forward_passes = rep->n_images;
    rep->backward_passes = e->multipass ? 0 : rep->n_images;
    rep->weight_bytes = (size_t)lrp_graph_weight_count(&m->graph) * sizeof(float);
    rep->kept_bytes = e->fwd.kept_floats * sizeof(float);
    if (st == LRP_OK && e->multipass)
        st = lrp_explainer_run_multipass(e, input, relevance, rep, err);
    rep->forward_ms = t1 - t0;
    rep->explain_ms = lrp_now_ms() - t1;
    if (st) {
        lrp_report_free(rep);
        return st;
    }
    *report = rep;
    return LRP_OK;
}
