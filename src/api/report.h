/* The lrp_report object: per image logits, target, seed, sums, and the
 * relevance flowing through every step and residual Add. */
#ifndef LRP_API_REPORT_H
#define LRP_API_REPORT_H

#include "api/model.h"
#include "explain/relevance.h"
#include "util/clock.h"

struct lrp_report {
    int n_images, n_classes;
    float *logits; /* n_images * n_classes */
    int *target;
    double *seed, *input_sum;
    int n_steps;
    const char **step_node, **step_op, **step_rule; /* borrowed from the model */
    double *step_in, *step_out, *absorbed;          /* n_steps * n_images */
    int n_residuals;
    const char **res_node, **res_kind;
    double *res_in, *res_main, *res_short; /* n_residuals * n_images */
    const lrp_model *model;                /* borrowed: its unclassified Adds */
    double forward_ms, explain_ms;
    long forward_passes, backward_passes; /* inputs through the model, all images */
    size_t weight_bytes, kept_bytes;      /* lrp_report_memory */
    bool conserves; /* the method defines conservation: the errors are reported */
};

/* A report for n images with logits copied from 'logits' (n, classes). */
lrp_report *lrp_report_new(const lrp_model *m, const lrp_tensor *logits, int n);

/* Copies the input relevance into *relevance and the flows into rep; rel
 * NULL (a multipass method, which writes its own map): a zeroed map. */
lrp_status lrp_report_finish(lrp_report *rep, const lrp_relevance *rel, const lrp_rule *rules,
                             const lrp_tensor *input, lrp_array *relevance, lrp_error *err);

#endif
