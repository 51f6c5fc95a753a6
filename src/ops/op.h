/* The op interface: one file per ONNX op fills one struct lrp_op, and
 * registry.c lists them all. Adding an op = one file, one table line. */
#ifndef LRP_OPS_OP_H
#define LRP_OPS_OP_H

#include "graph/graph.h"
#include "parallel/pool.h"

/* Inputs and outputs one node may have (shape inference refuses more, so
 * executors can keep them in fixed arrays). */
#define LRP_MAX_INPUTS 16
#define LRP_MAX_OUTPUTS 8

/* Work of the nodes after an op that the executor fused into it (only for
 * ops with relu_epilogue / add_epilogue): out[0] = relu?(op(...) + add). 'add' has out[0]'s shape
 * (a residual Add's other operand); NULL: nothing to add. */
typedef struct lrp_epilogue {
    const float *add;
    bool relu;
} lrp_epilogue;

typedef struct lrp_dnnl lrp_dnnl; /* backend/dnnl.h */

/* What forward kernels may use besides their tensors: scratch memory,
 * sized before the run from every node's scratch_floats(), the workers of
 * the run (NULL: the calling thread only), the oneDNN convolutions of the
 * run (NULL: OpenBLAS), and the fused epilogue. */
typedef struct lrp_scratch {
    float *data;
    size_t floats;
    lrp_pool *pool;
    lrp_dnnl *dnnl;
    lrp_epilogue epi;
} lrp_scratch;

typedef struct lrp_op {
    const char *name; /* ONNX op_type */
    int min_inputs, max_inputs;
    int n_outputs; /* outputs the op computes (extra optional ones rejected) */

    /* Optional: attributes -> n->params (a calloc'd struct, freed with
     * free()). Validates everything that does not depend on shapes. */
    lrp_status (*parse)(lrp_node *n, lrp_error *err);

    /* Shapes: fill dtype/rank/dims of out[] from in[]. Dims may be -1
     * before the input is bound; propagate them. in[i] is NULL for an
     * omitted optional input; in[i]->data is set when the value is
     * constant or already computed. Ops on shapes (Shape, Gather, ...)
     * and Constant also compute out->data here when their inputs are known
     * (malloc'd; the caller owns it): that is how shape subgraphs fold. */
    lrp_status (*infer)(const lrp_node *n, lrp_tensor *const *in,
                        lrp_tensor *const *out, lrp_error *err);

    /* Optional: float scratch the forward kernel needs for these shapes. */
    size_t (*scratch_floats)(const lrp_node *n, const lrp_tensor *const *in,
                             const lrp_tensor *const *out);

    /* Computes out[]->data (preallocated, shapes as inferred) from in[].
     * Never fails: infer() has checked everything. NULL for ops whose
     * outputs infer() always computes. */
    void (*forward)(const lrp_node *n, const lrp_tensor *const *in,
                    lrp_tensor *const *out, lrp_scratch *scratch);

    /* What forward() can fuse from scratch->epi: a following Relu, and (with
     * add_epilogue) a residual Add of another activation. */
    bool relu_epilogue, add_epilogue;

    /* Optional: multiply-accumulates of one forward pass (for inspect). */
    double (*flops)(const lrp_node *n, const lrp_tensor *const *in,
                    const lrp_tensor *const *out);
} lrp_op;

/* The op for an ONNX op_type, or NULL when unsupported. */
const lrp_op *lrp_op_find(const char *op_type);

/* Shared error text: "node 'name' (Op): ...". */
#define LRP_NODE_FMT "node '%s' (%s): "
#define LRP_NODE_ARGS(n) (n)->name, (n)->op_type

#endif
