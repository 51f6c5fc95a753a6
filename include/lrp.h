/* onnx-lrp: Layer-wise Relevance Propagation for ResNets exported to ONNX.
 * The one public header. Objects are opaque handles with a _free function
 * (NULL is a harmless no-op); functions return an lrp_status and fill an
 * optional lrp_error with a message that names the file, node and shapes. */
#ifndef LRP_H
#define LRP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LRP_VERSION "0.1.0"
#define LRP_MAX_RANK 8

typedef enum lrp_status {
    LRP_OK = 0,
    LRP_ERR_IO,          /* a file is missing, unreadable or unwritable */
    LRP_ERR_PARSE,       /* not an ONNX / .npy file, truncated, malformed */
    LRP_ERR_UNSUPPORTED, /* op, data type or feature onnx-lrp does not handle */
    LRP_ERR_SHAPE,       /* shapes that do not fit together */
    LRP_ERR_GRAPH,       /* cycle, undefined tensor, two producers */
    LRP_ERR_ARG,         /* a bad argument: unknown preset, target out of range */
    LRP_ERR_NOMEM,       /* an allocation failed */
    LRP_ERR_LIMIT        /* the work would exceed a size or memory limit */
} lrp_status;

typedef struct lrp_error {
    lrp_status status;
    char message[512];
} lrp_error;

/* A static string for a status, e.g. "unsupported". */
const char *lrp_status_str(lrp_status status);

/* A dense float32 array in C order. Arrays returned by the library own
 * their data: release it with lrp_array_free. */
typedef struct lrp_array {
    int rank;
    int64_t dims[LRP_MAX_RANK];
    float *data;
} lrp_array;

size_t lrp_array_count(const lrp_array *a);
void lrp_array_free(lrp_array *a); /* frees data and zeroes a; NULL-safe */

/* ---- model ------------------------------------------------------------ */

typedef struct lrp_model lrp_model;

/* Parses an ONNX file into onnx-lrp's graph, checks every op is supported
 * and infers shapes. On success *out is the caller's (lrp_model_free). */
lrp_status lrp_model_load(const char *path, lrp_model **out, lrp_error *err);
/* The same from memory; 'name' is used in messages. */
lrp_status lrp_model_load_mem(const void *buf, size_t size, const char *name,
                              lrp_model **out, lrp_error *err);
void lrp_model_free(lrp_model *model);

/* Runs the model on 'input' (N,C,H,W float32) and writes its first graph
 * output into *output (caller frees with lrp_array_free). */
lrp_status lrp_model_forward(lrp_model *model, const lrp_array *input,
                             lrp_array *output, lrp_error *err);

/* The model's metadata_props value for 'key', or NULL. Owned by the model. */
const char *lrp_model_metadata(const lrp_model *model, const char *key);

/* What `onnx-lrp inspect` shows. Strings are owned by the model. */
typedef struct lrp_model_info {
    int64_t opset;
    int n_nodes;
    const char *input_name;
    int input_rank;
    int64_t input_dims[LRP_MAX_RANK]; /* -1: dynamic */
    const char *output_name;
    int output_rank;
    int64_t output_dims[LRP_MAX_RANK]; /* at the declared input shape; -1: dynamic */
    int64_t params;                    /* float32 weights in initializers */
    double flops;                      /* multiply-accumulates of one forward pass... */
    int64_t flops_dims[LRP_MAX_RANK];  /* ...at this input shape (dynamic dims: batch 1, 224) */
    int n_op_types;
    int n_residual_adds;
} lrp_model_info;

lrp_status lrp_model_get_info(const lrp_model *model, lrp_model_info *info, lrp_error *err);

/* The i-th op type in order of first appearance; *count gets its node count. */
const char *lrp_model_op_type(const lrp_model *model, int i, int *count);

/* A residual Add the graph pass marked as a split point (method §8). */
typedef struct lrp_residual_add {
    const char *node;        /* the Add node's name */
    const char *kind;        /* "identity" or "projection" */
    const char *mainstream;  /* tensor names: M, S, B */
    const char *shortcut;
    const char *block_input;
} lrp_residual_add;

/* 0 <= i < info.n_residual_adds, in topological order. */
lrp_residual_add lrp_model_residual_add(const lrp_model *model, int i);

#ifdef __cplusplus
}
#endif
#endif
