/* The reverse executor: relevance buffers zeroed once per run, the seed at
 * the target logits, then each on-path node's rule kernel in reverse
 * topological order, adding into its inputs' relevance (fan-out sums
 * itself); its ledger records, per image, what every node received and
 * passed on. */
#ifndef LRP_EXPLAIN_RELEVANCE_H
#define LRP_EXPLAIN_RELEVANCE_H

#include "explain/forward.h"
#include "explain/ledger.h"
#include "rules/rules.h"

typedef struct lrp_relevance {
    const lrp_graph *g;
    const lrp_rule *rules;
    int *steps; /* on-path nodes, reverse topological order */
    int n_steps;
    int n_images;
    float *arena; /* relevance of the on-path activations, buffers reused */
    float **of;   /* per value: its relevance buffer, or NULL */
    int *start;   /* per value: the step its buffer becomes live (is zeroed) */
    int *shares;  /* per value: the value whose buffer it uses (itself, or the
                     output of a pass step that hands R on: see relevance.c) */
    float *scratch;
    float **fixed_z;   /* per step: z kept between runs (lrp_zrule_fixed_z), or NULL */
    bool *fixed_ready; /* per step: fixed_z holds it */
    float *fixed_arena;
    lrp_pool *pool;    /* of the current run */
    lrp_ledger ledger; /* what each step received and passed on */
    lrp_dnnl *dnnl;    /* of the current run; NULL = OpenBLAS */
    bool unaccounted;  /* set by the caller: runs keep no flows (nothing reads them) */
} lrp_relevance;

/* Sizes buffers for the shapes of f (one input shape); relevance starts
 * at seed_value. The relevance of keep_value (>= 0), like the input's, is
 * still there after the run (Grad-CAM reads it). */
lrp_status lrp_relevance_init(lrp_relevance *r, const lrp_graph *g, const lrp_rule *rules,
                              const lrp_forward *f, int seed_value, int keep_value,
                              size_t max_bytes, lrp_error *err);

/* seed[i] at class target[i] of image i in the seed value, then the rules,
 * on 'pool' and with the convolutions of 'dnnl' (NULL: OpenBLAS). */
void lrp_relevance_run(lrp_relevance *r, const lrp_forward *f, lrp_pool *pool, lrp_dnnl *dnnl,
                       int seed_value, const int *target, const double *seed);

/* The conv layers' steps alone, with oneDNN planning (see
 * lrp_dnnl_set_planning), after lrp_forward_warm_up: packs the weights the
 * rules convolve with, a layer's convs at once, computes nothing of use.
 * 'release': then gives back
 * each layer's lazy modified weights (lrp_weights_release), which oneDNN
 * holds packed; only while no other thread uses the rules. */
void lrp_relevance_warm_up(lrp_relevance *r, const lrp_forward *f, lrp_pool *pool,
                           lrp_dnnl *dnnl, bool release);

void lrp_relevance_free(lrp_relevance *r); /* NULL-safe */

#endif
