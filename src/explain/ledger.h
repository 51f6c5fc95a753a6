/* The accounting of a reverse run, apart from the propagation: per step (an
 * on-path node in reverse order) and image, the relevance the node received
 * at its output, what it passed on to its inputs (in total, and to slots 0
 * and 1, from which the report splits a residual Add into M and S), and what
 * its stabilizer kept (the kernels add that to lrp_rule_ctx.absorbed). Flows
 * are measured as changes of per-image buffer sums around the kernel. */
#ifndef LRP_EXPLAIN_LEDGER_H
#define LRP_EXPLAIN_LEDGER_H

#include "ops/op.h"

typedef struct lrp_ledger {
    int n_steps, n_images, n_values;
    double *step_in, *step_out; /* n_steps * n_images */
    double *slot_out;           /* n_steps * n_images * 2: per input slot 0/1 */
    double *absorbed;           /* n_steps * n_images: lrp_rule_ctx.absorbed */
    /* the open step: per input, counted (a value read twice counts once)
     * and its sums before the kernel ran */
    bool counted[LRP_MAX_INPUTS];
    double *before;    /* LRP_MAX_INPUTS * n_images */
    double *after;     /* n_images */
    double *value_sum; /* n_values * n_images: a value's relevance when last summed */
    bool *summed;      /* per value: value_sum is current (its buffer unchanged) */
    float *const *of;  /* per value: its relevance buffer (the executor's) */
    lrp_pool *pool;    /* of the current run */
} lrp_ledger;

/* false when out of memory (then lrp_ledger_free it). */
bool lrp_ledger_init(lrp_ledger *l, int n_steps, int n_images, int n_values);
void lrp_ledger_free(lrp_ledger *l); /* NULL-safe */

/* A new run over the relevance buffers of[] (per value), split on pool. */
void lrp_ledger_reset(lrp_ledger *l, float *const *of, lrp_pool *pool);

/* Before node n's kernel: its inputs' sums (fresh[k]: input k's buffer was
 * just zeroed). in[k]: the forward value of input k (its size). */
void lrp_ledger_open(lrp_ledger *l, const lrp_node *n, const lrp_tensor *const *in,
                     const bool *fresh);

/* Per image, where the step's kernel adds what its stabilizer keeps. */
double *lrp_ledger_absorbed(lrp_ledger *l, int step);

/* After the kernel: relevance in at out (output 0), passed on to each input. */
void lrp_ledger_close(lrp_ledger *l, int step, const lrp_node *n, const lrp_tensor *const *in,
                      const lrp_tensor *out);

#endif
