/* The accounting of a reverse run, apart from the propagation: per step (an
 * on-path node in reverse order) and image, the relevance the node received
 * at its output, what it passed on to each of its input slots (and in
 * total), and what its stabilizer kept (the kernels add that to
 * lrp_rule_ctx.absorbed). A flow is the change of the per-image sum of a
 * relevance buffer around the kernel: the only way to get, bit for bit, the
 * figures a buffer sum gives where relevance fans out (a buffer that holds
 * another consumer's share already). */
#ifndef LRP_EXPLAIN_LEDGER_H
#define LRP_EXPLAIN_LEDGER_H

#include "rules/rules.h"

typedef struct lrp_ledger {
    int n_steps, n_images, n_values;
    double *step_in, *step_out; /* n_steps * n_images */
    int *slot_row;              /* per step: its first row of slot_out (n_steps + 1) */
    double *slot_out;           /* per step and input slot, n_images each: passed on there */
    double *absorbed;           /* n_steps * n_images: lrp_rule_ctx.absorbed */
    /* the open step: per input, counted (a value read twice counts once)
     * and its sums before the kernel ran */
    bool counted[LRP_MAX_INPUTS];
    double *before; /* LRP_MAX_INPUTS * n_images */
    double *given;  /* LRP_MAX_INPUTS * n_images: the kernel's sums (in_sum) */
    double *given_at[LRP_MAX_INPUTS]; /* lrp_rule_ctx.in_sum: into given, or NULL */
    bool given_set[LRP_MAX_INPUTS];   /* lrp_rule_ctx.in_summed */
    double *after;                    /* n_images */
    double *value_sum; /* n_values * n_images: a value's relevance when last summed */
    bool *summed;      /* per value: value_sum is current (its buffer unchanged) */
    float *const *of;  /* per value: its relevance buffer (the executor's) */
    lrp_pool *pool;    /* of the current run */
} lrp_ledger;

/* n_slots[s]: the input slots of step s's node. false when out of memory
 * (then lrp_ledger_free it). */
bool lrp_ledger_init(lrp_ledger *l, int n_steps, int n_images, int n_values,
                     const int *n_slots);
void lrp_ledger_free(lrp_ledger *l); /* NULL-safe */

/* A new run over the relevance buffers of[] (per value), split on pool. */
void lrp_ledger_reset(lrp_ledger *l, float *const *of, lrp_pool *pool);

/* Before step s's kernel runs on c: its inputs' sums (fresh[k]: input k's
 * buffer was just zeroed); points c->absorbed at the step's figures and
 * c->in_sum at where the kernel may leave its inputs' sums after it. */
void lrp_ledger_open(lrp_ledger *l, int step, lrp_rule_ctx *c, const bool *fresh);

/* After it: the relevance received at c->out and passed on to each input. */
void lrp_ledger_close(lrp_ledger *l, int step, const lrp_rule_ctx *c);

/* What step s passed on to its input slot k for image i. */
double lrp_ledger_passed(const lrp_ledger *l, int step, int slot, int image);

#endif
