/* The op interface: one file per ONNX op fills one struct lrp_op, and
 * registry.c lists them all. Adding an op = one file, one table line. */
#ifndef LRP_OPS_OP_H
#define LRP_OPS_OP_H

#include "graph/graph.h"
#include "ops/index_map.h"
#include "parallel/pool.h"

/* Inputs and outputs one node may have (shape inference refuses more, so
 * executors can keep them in fixed arrays). */
#define LRP_MAX_INPUTS 128 /* DenseNet-121's widest Concat joins 25, DenseNet-201's 49 */
#define LRP_MAX_OUTPUTS 8

/* Work of the nodes after an op that the executor fused into it (only for
 * ops with relu_epilogue / add_epilogue): out[0] = relu?(op(...) + add). 'add' has out[0]'s
 * shape (a residual Add's other operand); NULL: nothing to add. */
typedef struct lrp_epilogue {
    const float *add;
    bool relu;
    /* oneDNN convs only (ops/conv_dnnl.h): X, out[0] and add are kept in its
     * blocked layout instead of (N,C,H,W); set only where
     * lrp_dnnl_conv_blockable allows it */
    bool x_blocked, y_blocked, add_blocked;
} lrp_epilogue;

typedef struct lrp_dnnl lrp_dnnl; /* ops/conv_dnnl.h */

/* What forward kernels may use besides their tensors: scratch memory,
 * sized before the run from every node's scratch_floats(), the workers of
 * the run (NULL: the calling thread only), the oneDNN convolutions of the
 * run (NULL: OpenBLAS), and the fused epilogue. */
typedef struct lrp_forward_ctx {
    float *data;
    size_t floats;
    lrp_pool *pool;
    lrp_dnnl *dnnl;
    lrp_epilogue epi;
    /* the first node whose kernel could not finish (oneDNN out of memory on
     * a tensor in its blocked layout): the run's values are void */
    const lrp_node *failed;
} lrp_forward_ctx;

/* How relevance and the gradient cross an op: rules/assign_rules.c chooses
 * a node's rule from its op's class (and the preset); no kernel and no rule
 * looks at op names. */
typedef enum lrp_relevance_class {
    LRP_REL_NONE,      /* nothing flows through: shape arithmetic, Constant, softmaxes */
    LRP_REL_RESHAPE,   /* values kept, moved or retyped: R_in = R, also the gradient */
    LRP_REL_RELU,      /* R_in = R; gradient R [x > 0]; the output is >= 0 */
    LRP_REL_CLIP,      /* R_in = R; gradient R [min < x < max] */
    LRP_REL_BATCHNORM, /* R_in = R (or folded into the Conv before it); gradient R scale */
    LRP_REL_CONV,      /* weighted (a z-rule), the preset's conv rule; a BN after it folds */
    LRP_REL_GEMM,      /* weighted, dense, its bias an input */
    LRP_REL_MATMUL,    /* weighted, dense, its bias in the Add after it (if any) */
    LRP_REL_SUM,       /* Add, Sub: operand 1 enters with sum_sign; a residual Add splits */
    LRP_REL_MUL,       /* by a constant: R to x; by a gate: R to the signal; a product */
    LRP_REL_DIV,       /* x by a constant: R to x */
    LRP_REL_AVGPOOL,   /* means over windows: AveragePool, GlobalAveragePool, ReduceMean */
    LRP_REL_MAXPOOL,   /* winner takes all (or the paper's 2x2 average) */
    LRP_REL_ROUTE,     /* element moves: route() below is rule and gradient */
    LRP_REL_GATE,      /* Sigmoid: LRP holds it constant; gradient R y (1 - y) */
} lrp_relevance_class;

typedef struct lrp_op {
    const char *name; /* ONNX op_type */
    int min_inputs, max_inputs;
    int n_outputs; /* outputs the op computes (extra optional ones rejected) */

    /* Relevance: the class above; for SUM the sign of operand 1 (Add 1, Sub
     * -1); keeps_sign: the output is >= 0 when the inputs relevance flows
     * into are (all of a SUM's, else input 0), so a z-rule on it may drop x⁻;
     * carries_gate: a Sigmoid's output moved through it is still a gate. */
    lrp_relevance_class relevance;
    int sum_sign;
    bool keeps_sign, carries_gate;

    /* Per sample and linear in input 0 when its other inputs are constants:
     * a projection shortcut may chain it from B to S (passes/residual.c,
     * method §8). */
    bool shortcut_step;

    /* Optional: attributes -> n->params (a calloc'd struct, freed with
     * free()). Validates everything that does not depend on shapes. */
    lrp_status (*parse)(lrp_node *n, lrp_error *err);

    /* Shapes: fill dtype/rank/dims of out[] from in[]. Dims may be -1
     * before the input is bound; propagate them. in[i] is NULL for an
     * omitted optional input; in[i]->data is set when the value is
     * constant or already computed. Ops on shapes (Shape, Gather, ...)
     * and Constant also compute out->data here when their inputs are known
     * (malloc'd; the caller owns it): that is how shape subgraphs fold. */
    lrp_status (*infer)(const lrp_node *n, lrp_tensor *const *in, lrp_tensor *const *out,
                        lrp_error *err);

    /* Optional: float scratch the forward kernel needs for these shapes. */
    size_t (*scratch_floats)(const lrp_node *n, const lrp_tensor *const *in,
                             const lrp_tensor *const *out);

    /* Computes out[]->data (preallocated, shapes as inferred) from in[].
     * Never fails: infer() has checked everything. NULL for ops whose
     * outputs infer() always computes. */
    void (*forward)(const lrp_node *n, const lrp_tensor *const *in, lrp_tensor *const *out,
                    lrp_forward_ctx *scratch);

    /* What forward() can fuse from scratch->epi: a following Relu, and (with
     * add_epilogue) a residual Add of another activation. */
    bool relu_epilogue, add_epilogue;

    /* Optional, for ops that only move elements (Pad, Slice, Transpose,
     * Expand, Concat): the adjoint of forward() for these shapes, r_in[k] +=
     * the r_out of each output element copied from input k (r_in[k] NULL:
     * none). It is both the relevance rule and the gradient of such an op. */
    void (*route)(const lrp_node *n, const lrp_tensor *const *in, const lrp_tensor *out,
                  const float *r_out, float *const *r_in);

    /* Optional: multiply-accumulates of one forward pass (for inspect). */
    double (*flops)(const lrp_node *n, const lrp_tensor *const *in,
                    const lrp_tensor *const *out);
} lrp_op;

/* The op for an ONNX op_type, or NULL when unsupported. */
const lrp_op *lrp_op_find(const char *op_type);

/* The table's i-th op (alphabetical by name), NULL past the end: for lists
 * derived from op properties. */
const lrp_op *lrp_op_at(int i);

#endif
