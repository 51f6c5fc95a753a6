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

/* The model's metadata_props value for 'key', or NULL. Owned by the model. */
const char *lrp_model_metadata(const lrp_model *model, const char *key);

/* What the model's first output holds, decided from the graph. */
typedef enum lrp_output_kind {
    LRP_OUTPUT_LOGITS,            /* logits (anything but the two below) */
    LRP_OUTPUT_PROBABILITIES,     /* the output of a final Softmax */
    LRP_OUTPUT_LOG_PROBABILITIES, /* the output of a final LogSoftmax */
} lrp_output_kind;

lrp_output_kind lrp_model_output_kind(const lrp_model *model);

/* The probability of class k (0 <= k < n) from one row (n values) of an
 * output of this kind: the softmax of logits, the value itself, or exp of a
 * log-probability. Every probability onnx-lrp prints or scores comes from here. */
double lrp_output_probability(lrp_output_kind kind, const float *row, int n, int k);

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
    lrp_output_kind output_kind; /* lrp_model_output_kind */
    int n_unclassified_adds; /* Adds of two activations that are no split point */
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

/* An Add of two activations that is not a split point, and why: relevance
 * there is split by the Add rule of §3, not by a split rule of §4. */
typedef struct lrp_unclassified_add {
    const char *node;   /* the Add node's name */
    const char *reason; /* one sentence naming the operands, escaped (valid UTF-8) */
} lrp_unclassified_add;

/* 0 <= i < info.n_unclassified_adds, in topological order; all NULL otherwise. */
lrp_unclassified_add lrp_model_unclassified_add(const lrp_model *model, int i);

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
    /* zbox bounds of the first layer per input channel (see
       lrp_config_set_normalization); n_bounds = 0: from the default
       normalization of the model's input channels, ImageNet's mean and std
       for 3 channels, their luma (mean 0.4590, std 0.2256) for 1 */
    int n_bounds;
    float low[LRP_MAX_CHANNELS], high[LRP_MAX_CHANNELS];
} lrp_config;

void lrp_config_init(lrp_config *config);
/* Sets the zbox bounds from the normalization the input went through,
 * x = (v - mean) / std with v in [0, 1]: per channel, low = (0 - mean)/std,
 * high = (1 - mean)/std. Fails for channels outside 1..LRP_MAX_CHANNELS or
 * a std that is not > 0. */
lrp_status lrp_config_set_normalization(lrp_config *config, int channels, const float *mean,
                                        const float *std, lrp_error *err);
/* Names <-> enums, for command lines; -1 / NULL when unknown. */
int lrp_split_from_name(const char *name);
const char *lrp_split_name(lrp_split split);
int lrp_init_from_name(const char *name);
const char *lrp_init_name(lrp_init init);

/* The preset's own name for 'name' ("epsilon-plus-flat", or zennit's
 * spelling "EpsilonPlusFlat"), or NULL when no preset is called that. Needs
 * no model: commands check --preset before loading one. Static string. */
const char *lrp_preset_lookup(const char *name);
/* Every preset, "epsilon-plus-flat (EpsilonPlusFlat), ..., grad-cam" (zennit's
 * name in parentheses), into buf as snprintf writes; returns the length of the
 * whole list. */
size_t lrp_preset_list(char *buf, size_t size);

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

/* Explain class 'target' from now on (< 0: each image's top-1). */
lrp_status lrp_explainer_set_target(lrp_explainer *explainer, int target, lrp_error *err);

/* 1 when the preset's method defines conservation (the LRP presets), 0 for
 * the baselines gradient, gradient-x-input and grad-cam, -1 for an unknown
 * name; NULL is the default preset. */
int lrp_preset_conserves(const char *preset);
/* The same for the explainer's preset. */
int lrp_explainer_conserves(const lrp_explainer *explainer);

/* The preset and split in force, after defaults. */
const char *lrp_explainer_preset(const lrp_explainer *explainer);
lrp_split lrp_explainer_split(const lrp_explainer *explainer);

/* The zbox bounds in force per input channel (arrays owned by the
 * explainer): the channel count, 0 when the preset has no zbox layer. */
int lrp_explainer_zbox_bounds(const lrp_explainer *explainer, const float **low,
                              const float **high);

/* Notes on where this explanation knowingly departs from the method its
 * preset names (e.g. otsuki2024 on a BN-folded export): a count, and note
 * i as a static one-line string (NULL out of range). Same for forks. */
int lrp_explainer_notes(const lrp_explainer *explainer);
const char *lrp_explainer_note(const lrp_explainer *explainer, int i);

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
    double probability;         /* the target's, from the logits (lrp_output_probability) */
    double output_relevance;    /* the seeded value */
    double input_relevance_sum;
    /* The rest are NaN when the method defines no conservation
       (lrp_explainer_conserves). (sum R_in - R_out) / R_out: */
    double conservation_error;
    /* where the missing relevance went, relative to R_out: what the
       stabilizers kept (the sum of the steps' absorbed) and what biases took
       (negative: gave); conservation_error = -(bias_loss + stabilizer_loss) */
    double bias_loss, stabilizer_loss;
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

/* The model's Adds that are no split point (lrp_model_unclassified_add),
 * whose relevance the Add rule of §3 split; the strings are the model's. */
int lrp_report_unclassified_adds(const lrp_report *report);
lrp_unclassified_add lrp_report_unclassified_add(const lrp_report *report, int k);

#ifdef __cplusplus
}
#endif
#endif
