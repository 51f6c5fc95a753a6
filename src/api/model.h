/* The lrp_model object behind the public handle: the graph, its static
 * shapes, its residual split points, and a forward workspace reused while
 * the input shape stays the same. */
#ifndef LRP_API_MODEL_H
#define LRP_API_MODEL_H

#include "explain/forward.h"
#include "ops/conv_dnnl.h"
#include "passes/passes.h"

#define LRP_DEFAULT_MAX_BYTES ((size_t)16 << 30)
#define LRP_MAX_OP_TYPES 64 /* more than the registry holds */

struct lrp_model {
    char *path;
    lrp_graph graph;
    lrp_shapes shapes; /* at the declared input shape */
    lrp_residual *residuals;
    int n_residuals;
    lrp_plain_add *plain_adds; /* the other Adds of two activations */
    int n_plain_adds;
    const lrp_op *op_types[LRP_MAX_OP_TYPES]; /* distinct ops, first appearance order */
    int op_counts[LRP_MAX_OP_TYPES];
    int n_op_types;
    size_t max_bytes;        /* limit for one workspace */
    lrp_forward fwd;         /* lrp_model_forward's workspace; fwd.g == NULL until first use */
    lrp_pool *pool;          /* lrp_model_forward's workers; NULL = one thread */
    lrp_backend backend;     /* lrp_model_forward's convolutions (resolved) */
    lrp_precision precision; /* theirs; BF16 only on oneDNN */
    lrp_dnnl *dnnl;          /* their oneDNN primitives; NULL until oneDNN is chosen */
    const lrp_model *parent; /* a fork (lrp_model_fork): everything but fwd and pool is
                                the parent's, which frees it */
};

/* Makes f fit an input of 'dims' (keeping 'keep', see lrp_forward_init),
 * rebuilding it when the shape changed; messages name the model. */
lrp_status lrp_model_prepare(const lrp_model *m, lrp_forward *f, int rank, const int64_t *dims,
                             const lrp_keep *keep, bool *rebuilt, lrp_error *err);

/* The value holding the logits: the first output, or the input of the
 * Softmax / LogSoftmax producing it; *kind (may be NULL) gets what the first
 * output holds. The one place that decides it (api/output.c). */
int lrp_model_logits_value(const lrp_model *m, lrp_output_kind *kind);

#endif
