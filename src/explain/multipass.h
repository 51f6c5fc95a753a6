/* Methods that are not a rule table (method §10): attributions assembled
 * from many forward (and gradient) passes of the same executor, and the
 * table naming them beside the rule-table presets. */
#ifndef LRP_EXPLAIN_MULTIPASS_H
#define LRP_EXPLAIN_MULTIPASS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lrp.h"

typedef enum lrp_multipass_kind {
    LRP_MP_INTEGRATED_GRADIENTS,
    LRP_MP_SMOOTHGRAD,
    LRP_MP_OCCLUSION,
    LRP_MP_RISE,
    LRP_MP_SCORE_CAM,
} lrp_multipass_kind;

typedef struct lrp_multipass {
    const char *name;
    const char *zennit; /* zennit's attributor of the same method, or NULL */
    lrp_multipass_kind kind;
    bool gradient;     /* needs the gradient, not only forwards */
    bool completeness; /* Σ out = f(x) - f(baseline), reported as conservation */
    bool activation;   /* reads Grad-CAM's layer (the input of the last global pooling) */
} lrp_multipass;

/* The method called 'name' (ours or zennit's spelling), or NULL. */
const lrp_multipass *lrp_multipass_find(const char *name);

/* The one lookup of method names: a rule-table preset's or a multipass
 * method's own name for 'name', or NULL. Static string. */
const char *lrp_method_lookup(const char *name);
/* Every preset, then every multipass method, as lrp_preset_list writes. */
size_t lrp_method_list(char *buf, size_t size);

/* Their parameters; lrp_method_params_init gives the defaults. */
typedef enum lrp_ig_baseline { LRP_IG_BLACK, LRP_IG_ZERO } lrp_ig_baseline;

typedef struct lrp_method_params {
    int ig_steps;                /* 32 */
    lrp_ig_baseline ig_baseline; /* black: the normalized zero image */
    int sg_samples;              /* 20 */
    double sg_noise;             /* 0.1 of max(x) - min(x) */
    int rise_masks;              /* 4000 */
    int rise_cells;              /* 8: the low-resolution grid's side */
    double rise_p;               /* 0.5: the probability a cell is kept */
    int occ_window, occ_stride;  /* 8, 8 */
    uint64_t seed;               /* 0 */
} lrp_method_params;

void lrp_method_params_init(lrp_method_params *p);

/* An explainer's multipass parameters (copied; defaults until set), for it
 * and the forks made after (api/explainer.c). */
void lrp_explainer_set_method_params(lrp_explainer *e, const lrp_method_params *p);
const lrp_method_params *lrp_explainer_method_params(const lrp_explainer *e);

/* What the methods call: one batch of inputs through the model. */
typedef struct lrp_passes {
    void *ctx;
    int batch;              /* inputs per call */
    int c, h, w, n_classes; /* one input (c, h, w) */
    /* x (batch, c, h, w) -> logits (batch, n_classes); grad (may be NULL:
       forward only) gets d logit[target] / dx, (batch, c, h, w) */
    lrp_status (*run)(void *ctx, const float *x, int target, float *logits, float *grad,
                      lrp_error *err);
    long forwards, backwards; /* inputs passed so far, counted by the methods */
} lrp_passes;

/* One image to explain. */
typedef struct lrp_multipass_image {
    const float *x;   /* (c, h, w) */
    const float *low; /* c values, or NULL (= 0): the normalized zero image, IG's black */
    int target;
    const float *act; /* Score-CAM: the layer's activation (act_c, act_h, act_w) */
    int act_c, act_h, act_w;
} lrp_multipass_image;

/* One image explained into out (c, h, w). *delta gets what the method's
 * completeness compares Σ out with (IG: f(x) - f(baseline)), NaN for the
 * others. */
lrp_status lrp_multipass_run(const lrp_multipass *m, const lrp_method_params *p, lrp_passes *ps,
                             const lrp_multipass_image *im, float *out, double *delta,
                             lrp_error *err);

#endif
