/* The explainer object, shared by the files that explain with it: the rule
 * table's (explainer.c) and the multipass methods' (explain_multipass.c). */
#ifndef LRP_API_EXPLAINER_H
#define LRP_API_EXPLAINER_H

#include "api/backend.h"
#include "api/model.h"
#include "api/report.h"
#include "explain/multipass.h"
#include "explain/relevance.h"
#include "rules/presets.h"

/* What forks of one explainer share, read-only while they explain. */
typedef struct rule_table {
    int refs;
    float low[LRP_MAX_CHANNELS], high[LRP_MAX_CHANNELS]; /* zbox bounds */
    lrp_preset preset; /* the preset with config.first_rule's first layer */
    lrp_rule *rules;   /* per node */
    lrp_keep *keep;    /* per value: activations the rules read */
    lrp_dnnl *dnnl; /* oneDNN's primitives and the rules' weights packed, made on first use */
} rule_table;

struct lrp_explainer {
    lrp_model *model;
    const lrp_preset *preset;       /* multipass: gradient's, or grad-cam's for its layer */
    const lrp_multipass *multipass; /* NULL: the preset's rule table is the method */
    lrp_method_params params;
    lrp_config config; /* resolved */
    int seed_value;
    int cam_value; /* Grad-CAM: the input of the last global pooling; else -1 */
    rule_table *t;
    lrp_forward fwd; /* this explainer's own workspaces, sized per input shape */
    /* the multipass methods' forward-only passes: only the seed value kept
     * (probe_keep, per value), so that activations may stay in oneDNN's
     * blocked layout and share memory; NULL / unused until one runs */
    lrp_forward probe;
    lrp_keep *probe_keep;
    /* the probe's last batch of one input repeated (IG's baseline, the same
     * for every image): that input (probe_x_count floats) and the batch's
     * logits; such a batch given again is not run again */
    float *probe_x, *probe_logits;
    size_t probe_x_count, probe_rows, probe_logit_count;
    /* their gradient passes, at the batch size of the passes: apart from
     * fwd and rel, which stay at the explained input's batch, so that
     * neither is rebuilt at every image */
    lrp_forward batch_fwd;
    lrp_relevance batch_rel;
    lrp_relevance rel;
    lrp_pool *pool;      /* NULL = one thread */
    lrp_backend backend; /* resolved */
    lrp_precision precision;
    const char *notes[1]; /* static strings: how this run deviates from its method */
    int n_notes;
};

/* d (the model's or the rule table's oneDNN convolutions, or their bf16
 * twins) when this explainer runs on oneDNN; NULL: OpenBLAS. */
static inline lrp_dnnl *lrp_explainer_dnnl(const lrp_explainer *e, lrp_dnnl *d)
{
    return lrp_backend_dnnl(e->backend, e->precision, d);
}

/* Sizes the workspaces fwd and rel for input's shape (rebuilt only when it
 * changes). */
lrp_status lrp_explainer_prepare(lrp_explainer *e, const lrp_array *input, lrp_error *err);
/* The same for the workspaces f and rel of e (fwd and rel, or another pair). */
lrp_status lrp_explainer_prepare_in(lrp_explainer *e, lrp_forward *f, lrp_relevance *rel,
                                    const lrp_array *input, lrp_error *err);

/* lrp_explainer_warm_up of a multipass method: sizes its batch workspaces
 * for inputs shaped as 'image' (its C, H, W) and makes and packs their
 * convolutions, as its first image would. */
lrp_status lrp_explainer_warm_up_multipass(lrp_explainer *e, const lrp_array *image,
                                           lrp_error *err);

/* After the gradient pass of lrp_explain: replaces each image's map in
 * *relevance by the multipass method's, and its sums and flows in rep. */
lrp_status lrp_explainer_run_multipass(lrp_explainer *e, const lrp_array *input,
                                       lrp_array *relevance, lrp_report *rep, lrp_error *err);

#endif
