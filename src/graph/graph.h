/* onnx-lrp's own IR: values (tensors) and nodes, with producers, consumers
 * and a topological order computed once. Nothing here knows protobuf. */
#ifndef LRP_GRAPH_GRAPH_H
#define LRP_GRAPH_GRAPH_H

#include "graph/tensor.h"
#include "util/error.h"

struct lrp_op;

typedef enum lrp_attr_type {
    LRP_ATTR_FLOAT = 1,
    LRP_ATTR_INT = 2,
    LRP_ATTR_STRING = 3,
    LRP_ATTR_TENSOR = 4,
    LRP_ATTR_FLOATS = 6,
    LRP_ATTR_INTS = 7,
} lrp_attr_type; /* values are ONNX AttributeProto.AttributeType codes */

typedef struct lrp_attr {
    char *name;
    lrp_attr_type type;
    int64_t i;
    float f;
    char *s;
    int64_t *ints; /* n entries */
    float *floats; /* n entries */
    int n;
    lrp_tensor t; /* LRP_ATTR_TENSOR: data owned by the attr */
} lrp_attr;

typedef struct lrp_value {
    char *name;
    lrp_tensor tensor; /* declared/inferred shape; data for constants (owned) */
    int producer;      /* node index, -1 for graph inputs and initializers */
    int *consumers;    /* node indices, a node once per input slot */
    int n_consumers;
    bool is_input, is_output;
} lrp_value;

typedef struct lrp_node {
    char *name;
    char *op_type;
    const struct lrp_op *op;
    int *inputs; /* value indices; -1 for an omitted optional input */
    int n_inputs;
    int *outputs;
    int n_outputs;
    lrp_attr *attrs;
    int n_attrs;
    void *params; /* the op's typed attributes, owned (free()) */
} lrp_node;

typedef struct lrp_graph {
    lrp_value *values;
    int n_values;
    lrp_node *nodes;
    int n_nodes;
    int *order;            /* node indices, topological (Kahn), n_nodes entries */
    int *inputs, n_inputs; /* graph inputs that are not initializers */
    int *outputs, n_outputs;
    int64_t opset;
    char **meta_keys, **meta_values;
    int n_meta;
} lrp_graph;

void lrp_graph_free(lrp_graph *g); /* frees everything inside; NULL-safe */
void lrp_node_clear(lrp_node *n);  /* frees what one node owns */

/* Fills producer/consumers, rejects undefined inputs and two producers of
 * one value, then orders nodes (Kahn) and rejects cycles. */
lrp_status lrp_graph_link(lrp_graph *g, lrp_error *err);

/* Typed attribute access; a wrong type is an error naming the node. */
const lrp_attr *lrp_node_attr(const lrp_node *n, const char *name);
lrp_status lrp_attr_int(const lrp_node *n, const char *name, int64_t dflt, int64_t *out,
                        lrp_error *err);
lrp_status lrp_attr_float(const lrp_node *n, const char *name, float dflt, float *out,
                          lrp_error *err);
/* Copies up to max ints into out; *count gets how many (0 when absent). */
lrp_status lrp_attr_ints(const lrp_node *n, const char *name, int64_t *out, int max, int *count,
                         lrp_error *err);
lrp_status lrp_attr_string(const lrp_node *n, const char *name, const char *dflt,
                           const char **out, lrp_error *err);

/* The value feeding input slot i, or NULL when omitted/absent. */
const lrp_value *lrp_node_input(const lrp_graph *g, const lrp_node *n, int i);

/* The model's weights: float32 elements of the constants some node reads
 * (inspect's parameters; explain --json's weights_mib). */
int64_t lrp_graph_weight_count(const lrp_graph *g);

/* Shared error text: "node 'name' (Op): ...". */
#define LRP_NODE_FMT "node '%s' (%s): "
#define LRP_NODE_ARGS(n) (n)->name, (n)->op_type

#endif
