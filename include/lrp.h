/* onnx-lrp: Layer-wise Relevance Propagation for ResNets exported to ONNX.
 * The one public header. Objects are opaque handles with a _free function
 * (NULL is a harmless no-op); functions return an lrp_status and fill an
 * optional lrp_error with a message that names the file, node and shapes. */
#ifndef LRP_H
#define LRP_H

#include <stdbool.h>
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
 * output into *output (caller frees with lrp_array_free). Uses the model's
 * own workspace: one thread at a time per model (explainers have their own). */
lrp_status lrp_model_forward(lrp_model *model, const lrp_array *input,
                             lrp_array *output, lrp_error *err);

/* The most memory one workspace (activations, relevance, scratch of one
 * forward pass or explanation) may take, checked before allocating; larger
 * inputs fail with LRP_ERR_LIMIT. Default: 3/4 of the machine's memory, at
 * most 16 GiB. Applies to workspaces made after the call. */
void lrp_model_set_max_memory(lrp_model *model, size_t bytes);

/* Threads lrp_model_forward works with, the caller's included (default 1).
 * Work is split by shape, so any thread count gives the same bits. The
 * BLAS is called from these threads: keep the BLAS itself single-threaded
 * (openblas_set_num_threads(1)), as the CLI does. */
lrp_status lrp_model_set_threads(lrp_model *model, int threads, lrp_error *err);

/* The engine that runs the convolutions. Both give the same bits for any
 * thread count; their bits differ from each other's in the last places. */
typedef enum lrp_backend {
    LRP_BACKEND_DEFAULT,  /* the fastest built in: oneDNN when present */
    LRP_BACKEND_OPENBLAS, /* im2col + OpenBLAS sgemm; always built */
    LRP_BACKEND_DNNL,     /* oneDNN (meson -Ddnnl) */
} lrp_backend;

/* "openblas", "dnnl" (DEFAULT: the one it stands for); from_name: -1 when
 * unknown. available: built in and usable on this machine. */
const char *lrp_backend_name(lrp_backend backend);
int lrp_backend_from_name(const char *name);
bool lrp_backend_available(lrp_backend backend);

/* The convolution engine of lrp_model_forward (default: LRP_BACKEND_DEFAULT);
 * LRP_ERR_UNSUPPORTED when it is not available. */
lrp_status lrp_model_set_backend(lrp_model *model, lrp_backend backend, lrp_error *err);
lrp_backend lrp_model_backend(const lrp_model *model); /* never DEFAULT */

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
    int output_is_softmax; /* the first output is a Softmax: probabilities */
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

/* 0 <= i < info.n_residual_adds, in topological order; all NULL otherwise. */
lrp_residual_add lrp_model_residual_add(const lrp_model *model, int i);

/* ---- explainer ---------------------------------------------------------- */

/* How relevance is split at a residual Add (method §4). */
typedef enum lrp_split {
    LRP_SPLIT_DEFAULT = -1, /* the preset's own */
    LRP_SPLIT_PROPORTIONAL, /* zennit: M·R/stab(M+S), S·R/stab(M+S) */
    LRP_SPLIT_RATIO,        /* Otsuki et al.: |M|/(|M|+|S|) */
    LRP_SPLIT_SYMMETRIC,    /* R/2 each */
    LRP_SPLIT_RATIO_PROJECTION_ONLY,
    LRP_SPLIT_SYMMETRIC_PROJECTION_ONLY,
} lrp_split;

/* The relevance seeded at the target output. */
typedef enum lrp_init {
    LRP_INIT_DEFAULT = -1, /* the preset's own */
    LRP_INIT_ONE,          /* 1 (zennit's one-hot) */
    LRP_INIT_LOGIT,        /* the target's logit */
    LRP_INIT_SOFTMAX,      /* the target's softmax probability (the paper) */
} lrp_init;

#define LRP_MAX_CHANNELS 16

/* What to explain and how. lrp_config_init fills "use the preset's own"
 * for every field; set only what you want to override. */
typedef struct lrp_config {
    const char *preset; /* epsilon-plus-flat (default), epsilon-plus,
                           epsilon-alpha2-beta1, epsilon-gamma-box, otsuki2024 */
    lrp_split split;
    lrp_init init;
    double epsilon;     /* < 0: the preset's (1e-6; otsuki2024: 1e-5 unsigned) */
    double gamma;       /* < 0: 0.25 */
    double alpha, beta; /* < 0: 2 and 1; alpha - beta must be 1 */
    int zero_bias;      /* 1: every rule uses b = 0 */
    int target;         /* < 0: each image's top-1 class */
    /* zbox bounds of the first layer per input channel; n_bounds = 0: from
       ImageNet's mean/std, low = (0 - mean)/std, high = (1 - mean)/std */
    int n_bounds;
    float low[LRP_MAX_CHANNELS], high[LRP_MAX_CHANNELS];
} lrp_config;

void lrp_config_init(lrp_config *config);
/* Names <-> enums, for command lines; -1 / NULL when unknown. */
int lrp_split_from_name(const char *name);
const char *lrp_split_name(lrp_split split);
int lrp_init_from_name(const char *name);
const char *lrp_init_name(lrp_init init);

typedef struct lrp_explainer lrp_explainer;

/* Builds the rule table of 'model' for 'config': which rule runs at which
 * node, with precomputed modified weights. Fails naming the node when an op
 * on the relevance path has no rule. 'model' must outlive the explainer and
 * its reports (which borrow node names); explaining only reads the model. */
lrp_status lrp_explainer_new(lrp_model *model, const lrp_config *config,
                             lrp_explainer **out, lrp_error *err);
void lrp_explainer_free(lrp_explainer *explainer);

/* A new explainer sharing this one's rule table and modified weights, with
 * workspaces of its own: one fork per thread explains in parallel. Fork
 * and free from one thread; the table lives until the last one is freed. */
lrp_status lrp_explainer_fork(const lrp_explainer *explainer, lrp_explainer **out,
                              lrp_error *err);

/* Threads one lrp_explain works with, the caller's included (default 1,
 * also for forks); the same bits for any count. See lrp_model_set_threads. */
lrp_status lrp_explainer_set_threads(lrp_explainer *explainer, int threads, lrp_error *err);

/* The convolution engine of lrp_explain (default: the model's at creation;
 * forks keep their parent's). oneDNN's primitives and packed weights are
 * made on first use and shared by the forks. See lrp_model_set_backend. */
lrp_status lrp_explainer_set_backend(lrp_explainer *explainer, lrp_backend backend,
                                     lrp_error *err);
lrp_backend lrp_explainer_backend(const lrp_explainer *explainer); /* never DEFAULT */

/* Explain class 'target' from now on (< 0: each image's top-1). */
lrp_status lrp_explainer_set_target(lrp_explainer *explainer, int target, lrp_error *err);

/* The preset and split in force, after defaults. */
const char *lrp_explainer_preset(const lrp_explainer *explainer);
lrp_split lrp_explainer_split(const lrp_explainer *explainer);

typedef struct lrp_report lrp_report;

/* Explains 'input' (N,C,H,W): *relevance gets the input relevance
 * (N,C,H,W), *report what happened per image (caller frees both). */
lrp_status lrp_explain(lrp_explainer *explainer, const lrp_array *input,
                       lrp_array *relevance, lrp_report **report, lrp_error *err);

void lrp_report_free(lrp_report *report);

typedef struct lrp_image_report {
    int target;
    int n_classes;
    const float *logits;        /* n_classes values, owned by the report */
    double output_relevance;    /* the seeded value */
    double input_relevance_sum;
    double conservation_error;  /* (sum R_in - R_out) / R_out */
} lrp_image_report;

int lrp_report_images(const lrp_report *report);
lrp_image_report lrp_report_image(const lrp_report *report, int image);
double lrp_report_forward_ms(const lrp_report *report);
double lrp_report_explain_ms(const lrp_report *report);

/* Relevance through each node on the relevance path, in the order it flows
 * (reverse topological): what arrived at its output and what it passed on. */
typedef struct lrp_node_flow {
    const char *node, *op, *rule;
    double relevance_in, relevance_out;
    double leak; /* (relevance_out - relevance_in) / output_relevance */
    /* what the stabilizer kept, relative to output_relevance: a rule that
       divides by stab(z) passes on R z/stab(z), all of R lost where z = 0;
       leak + absorbed is then what biases (and nothing else) account for */
    double absorbed;
} lrp_node_flow;

int lrp_report_steps(const lrp_report *report);
lrp_node_flow lrp_report_step(const lrp_report *report, int image, int step);

/* Relevance at each residual Add, in the order of lrp_model_residual_add. */
typedef struct lrp_residual_flow {
    const char *node, *kind;
    double relevance;  /* arriving at the Add's output */
    double mainstream; /* sent to M */
    double shortcut;   /* sent to S */
    double mainstream_share;
} lrp_residual_flow;

int lrp_report_residuals(const lrp_report *report);
lrp_residual_flow lrp_report_residual(const lrp_report *report, int image, int k);

#ifdef __cplusplus
}
#endif
#endif
