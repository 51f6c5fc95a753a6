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

/* LRP_API marks what the shared library exports; everything else is hidden. */
#if defined(__GNUC__)
#define LRP_API __attribute__((visibility("default")))
#else
#define LRP_API
#endif

/* LRP_VERSION "0.1.0", LRP_VERSION_MAJOR/_MINOR/_PATCH, LRP_ABI_VERSION */
#include "lrp_version.h"

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

/* The version of the library loaded at run time, e.g. "0.1.0" (LRP_VERSION
 * is the one compiled against). */
LRP_API const char *lrp_version(void);

/* A static string for a status, e.g. "unsupported". */
LRP_API const char *lrp_status_str(lrp_status status);

/* A dense float32 array in C order. Arrays returned by the library own
 * their data: release it with lrp_array_free. */
typedef struct lrp_array {
    int rank;
    int64_t dims[LRP_MAX_RANK];
    float *data;
} lrp_array;

LRP_API size_t lrp_array_count(const lrp_array *a);
LRP_API void lrp_array_free(lrp_array *a); /* frees data and zeroes a; NULL-safe */

/* ---- model ------------------------------------------------------------ */

typedef struct lrp_model lrp_model;

/* Parses an ONNX file into onnx-lrp's graph, checks every op is supported
 * and infers shapes. On success *out is the caller's (lrp_model_free). */
LRP_API lrp_status lrp_model_load(const char *path, lrp_model **out, lrp_error *err);
/* The same from memory; 'name' is used in messages. */
LRP_API lrp_status lrp_model_load_mem(const void *buf, size_t size, const char *name,
                                      lrp_model **out, lrp_error *err);
LRP_API void lrp_model_free(lrp_model *model);

/* Runs the model on 'input' (N,C,H,W float32) and writes its first graph
 * output into *output (caller frees with lrp_array_free). Uses the model's
 * own workspace: one thread at a time per model (explainers have their own). */
LRP_API lrp_status lrp_model_forward(lrp_model *model, const lrp_array *input,
                                     lrp_array *output, lrp_error *err);

/* Makes lrp_model_forward ready for inputs of shape 'dims': sizes its
 * workspace and, on oneDNN, makes every primitive and packs the weights
 * (what the first lrp_model_forward of that shape would otherwise do on
 * the way), so that the first forward pass costs what later ones do. Call
 * it after lrp_model_set_threads and lrp_model_set_backend: it packs on
 * the model's threads, for its engine. */
LRP_API lrp_status lrp_model_warm_up(lrp_model *model, int rank, const int64_t *dims,
                                     lrp_error *err);

/* A model sharing this one's graph, weights and oneDNN primitives, with a
 * forward workspace and threads (1) of its own: one fork per thread runs
 * lrp_model_forward in parallel, with the same bits. It keeps the backend
 * the model has now; the model must outlive it. Fork from one thread. */
LRP_API lrp_status lrp_model_fork(const lrp_model *model, lrp_model **out, lrp_error *err);

/* The most memory one workspace (activations, relevance, scratch of one
 * forward pass or explanation) may take, checked before allocating; larger
 * inputs fail with LRP_ERR_LIMIT. Default: 3/4 of the machine's memory, at
 * most 16 GiB. Applies to workspaces made after the call. */
LRP_API void lrp_model_set_max_memory(lrp_model *model, size_t bytes);

/* Threads lrp_model_forward works with, the caller's included (default 1).
 * Work is split by shape, so any thread count gives the same bits. The
 * BLAS is called from these threads: loading a model sets the BLAS itself
 * single-threaded (OpenBLAS's threads would only compete with these). */
LRP_API lrp_status lrp_model_set_threads(lrp_model *model, int threads, lrp_error *err);

/* The engine that runs the convolutions. Both give the same bits for any
 * thread count; their bits differ from each other's in the last places. */
typedef enum lrp_backend {
    LRP_BACKEND_DEFAULT,  /* the fastest built in: oneDNN when present */
    LRP_BACKEND_OPENBLAS, /* im2col + OpenBLAS sgemm; always built */
    LRP_BACKEND_DNNL,     /* oneDNN (meson -Ddnnl) */
} lrp_backend;

/* "openblas", "dnnl" (DEFAULT: the one it stands for); from_name: -1 when
 * unknown. available: built in and usable on this machine. */
LRP_API const char *lrp_backend_name(lrp_backend backend);
LRP_API int lrp_backend_from_name(const char *name);
LRP_API bool lrp_backend_available(lrp_backend backend);

/* The convolution engine of lrp_model_forward (default: LRP_BACKEND_DEFAULT);
 * LRP_ERR_UNSUPPORTED when it is not available. */
LRP_API lrp_status lrp_model_set_backend(lrp_model *model, lrp_backend backend, lrp_error *err);
LRP_API lrp_backend lrp_model_backend(const lrp_model *model); /* never DEFAULT */

/* The number format of the convolutions' inputs. Never BF16 by default. */
typedef enum lrp_precision {
    LRP_PRECISION_F32,  /* float32 throughout (the default) */
    LRP_PRECISION_BF16, /* oneDNN's convolutions read bfloat16 copies of their input and
                           weights (8-bit mantissa) and accumulate and write float32; every
                           other step stays float32. Needs the dnnl backend and a CPU with
                           AVX512_BF16 or AMX; the maps move by about 1e-2 (relative L2) */
} lrp_precision;

/* "f32", "bf16"; from_name: -1 when unknown. check: LRP_OK when 'precision'
 * can run on 'backend' (DEFAULT: the one it stands for) on this machine,
 * else LRP_ERR_UNSUPPORTED saying what is missing. */
LRP_API const char *lrp_precision_name(lrp_precision precision);
LRP_API int lrp_precision_from_name(const char *name);
LRP_API lrp_status lrp_precision_check(lrp_backend backend, lrp_precision precision,
                                       lrp_error *err);

/* The precision of lrp_model_forward and of the explainers made afterwards
 * (default F32); fails as lrp_precision_check does, and while it is BF16
 * lrp_model_set_backend refuses an engine other than oneDNN. */
LRP_API lrp_status lrp_model_set_precision(lrp_model *model, lrp_precision precision,
                                           lrp_error *err);
LRP_API lrp_precision lrp_model_precision(const lrp_model *model);

/* The model's metadata_props value for 'key', or NULL. Owned by the model. */
LRP_API const char *lrp_model_metadata(const lrp_model *model, const char *key);

/* What the model's first output holds, decided from the graph. */
typedef enum lrp_output_kind {
    LRP_OUTPUT_LOGITS,            /* logits (anything but the two below) */
    LRP_OUTPUT_PROBABILITIES,     /* the output of a final Softmax */
    LRP_OUTPUT_LOG_PROBABILITIES, /* the output of a final LogSoftmax */
} lrp_output_kind;

LRP_API lrp_output_kind lrp_model_output_kind(const lrp_model *model);

/* The probability of class k (0 <= k < n) from one row (n values) of an
 * output of this kind: the softmax of logits, the value itself, or exp of a
 * log-probability. Every probability onnx-lrp prints or scores comes from here. */
LRP_API double lrp_output_probability(lrp_output_kind kind, const float *row, int n, int k);

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
    int n_unclassified_adds;     /* Adds of two activations that are no split point */
} lrp_model_info;

LRP_API lrp_status lrp_model_get_info(const lrp_model *model, lrp_model_info *info,
                                      lrp_error *err);

/* The i-th op type in order of first appearance; *count gets its node count. */
LRP_API const char *lrp_model_op_type(const lrp_model *model, int i, int *count);

/* A residual Add the graph pass marked as a split point (method §8). */
typedef struct lrp_residual_add {
    const char *node;       /* the Add node's name */
    const char *kind;       /* "identity" or "projection" */
    const char *mainstream; /* tensor names: M, S, B */
    const char *shortcut;
    const char *block_input;
} lrp_residual_add;

/* 0 <= i < info.n_residual_adds, in topological order; all NULL otherwise. */
LRP_API lrp_residual_add lrp_model_residual_add(const lrp_model *model, int i);

/* An Add of two activations that is not a split point, and why: relevance
 * there is split by the Add rule of §3, not by a split rule of §4. */
typedef struct lrp_unclassified_add {
    const char *node;   /* the Add node's name */
    const char *reason; /* one sentence naming the operands, escaped (valid UTF-8) */
} lrp_unclassified_add;

/* 0 <= i < info.n_unclassified_adds, in topological order; all NULL otherwise. */
LRP_API lrp_unclassified_add lrp_model_unclassified_add(const lrp_model *model, int i);

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
                           epsilon-alpha2-beta1, epsilon-alpha2-beta1-flat,
                           epsilon-gamma-box, epsilon, otsuki2024, the
                           gradient methods and the multipass ones */
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
    /* NULL: the preset's rule at the first layer; else a z-rule by name for
       it, LRP presets only: epsilon, zplus, alpha-beta, gamma, flat, wsquare
       (zennit's WSquare, method §2), zbox */
    const char *first_rule;
} lrp_config;

LRP_API void lrp_config_init(lrp_config *config);
/* Sets the zbox bounds from the normalization the input went through,
 * x = (v - mean) / std with v in [0, 1]: per channel, low = (0 - mean)/std,
 * high = (1 - mean)/std. Fails for channels outside 1..LRP_MAX_CHANNELS or
 * a std that is not > 0. */
LRP_API lrp_status lrp_config_set_normalization(lrp_config *config, int channels,
                                                const float *mean, const float *std,
                                                lrp_error *err);
/* Names <-> enums, for command lines; -1 / NULL when unknown. */
LRP_API int lrp_split_from_name(const char *name);
LRP_API const char *lrp_split_name(lrp_split split);
LRP_API int lrp_init_from_name(const char *name);
LRP_API const char *lrp_init_name(lrp_init init);

/* The preset's own name for 'name' ("epsilon-plus-flat", or zennit's
 * spelling "EpsilonPlusFlat"), or NULL when no preset is called that. Needs
 * no model: commands check --preset before loading one. Static string. */
LRP_API const char *lrp_preset_lookup(const char *name);
/* Every preset, "epsilon-plus-flat (EpsilonPlusFlat), ..., grad-cam" (zennit's
 * name in parentheses), into buf as snprintf writes; returns the length of the
 * whole list. */
LRP_API size_t lrp_preset_list(char *buf, size_t size);

typedef struct lrp_explainer lrp_explainer;

/* Builds the rule table of 'model' for 'config': which rule runs at which
 * node, with precomputed modified weights. Fails naming the node when an op
 * on the relevance path has no rule. 'model' must outlive the explainer and
 * its reports (which borrow node names); explaining only reads the model. */
LRP_API lrp_status lrp_explainer_new(lrp_model *model, const lrp_config *config,
                                     lrp_explainer **out, lrp_error *err);
LRP_API void lrp_explainer_free(lrp_explainer *explainer);

/* A new explainer sharing this one's rule table and modified weights, with
 * workspaces of its own: one fork per thread explains in parallel. Fork
 * and free from one thread; the table lives until the last one is freed. */
LRP_API lrp_status lrp_explainer_fork(const lrp_explainer *explainer, lrp_explainer **out,
                                      lrp_error *err);

/* Threads one lrp_explain works with, the caller's included (default 1,
 * also for forks); the same bits for any count. See lrp_model_set_threads. */
LRP_API lrp_status lrp_explainer_set_threads(lrp_explainer *explainer, int threads,
                                             lrp_error *err);

/* lrp_model_warm_up for lrp_explain: its workspaces, and oneDNN's
 * primitives and packed weights for the forward pass and the rules, made
 * for inputs of shape 'dims' (N,C,H,W) before the first explanation; for
 * a method of many passes (integrated-gradients, score-cam, ...) also the
 * workspaces and primitives of its batches. Forks made afterwards share
 * the packed weights (their workspaces are their own). Call it after
 * lrp_explainer_set_threads and ..._set_backend. */
LRP_API lrp_status lrp_explainer_warm_up(lrp_explainer *explainer, int rank,
                                         const int64_t *dims, lrp_error *err);

/* The convolution engine of lrp_explain (default: the model's at creation;
 * forks keep their parent's). oneDNN's primitives and packed weights are
 * made on first use and shared by the forks. See lrp_model_set_backend. */
LRP_API lrp_status lrp_explainer_set_backend(lrp_explainer *explainer, lrp_backend backend,
                                             lrp_error *err);
LRP_API lrp_backend lrp_explainer_backend(const lrp_explainer *explainer); /* never DEFAULT */

/* The precision of lrp_explain (default: the model's at creation; forks
 * keep their parent's), as lrp_model_set_precision. */
LRP_API lrp_status lrp_explainer_set_precision(lrp_explainer *explainer,
                                               lrp_precision precision, lrp_error *err);
LRP_API lrp_precision lrp_explainer_precision(const lrp_explainer *explainer);

/* Explain class 'target' from now on (< 0: each image's top-1). */
LRP_API lrp_status lrp_explainer_set_target(lrp_explainer *explainer, int target,
                                            lrp_error *err);

/* 1 when the preset's method defines conservation (the LRP presets), 0 for
 * the baselines gradient, gradient-x-input and grad-cam, -1 for an unknown
 * name; NULL is the default preset. */
LRP_API int lrp_preset_conserves(const char *preset);
/* The same for the explainer's preset. */
LRP_API int lrp_explainer_conserves(const lrp_explainer *explainer);

/* The preset and split in force, after defaults. */
LRP_API const char *lrp_explainer_preset(const lrp_explainer *explainer);
LRP_API lrp_split lrp_explainer_split(const lrp_explainer *explainer);

/* The zbox bounds in force per input channel (arrays owned by the
 * explainer): the channel count, 0 when the preset has no zbox layer. */
LRP_API int lrp_explainer_zbox_bounds(const lrp_explainer *explainer, const float **low,
                                      const float **high);

/* Notes on where this explanation knowingly departs from the method its
 * preset names (e.g. otsuki2024 on a BN-folded export): a count, and note
 * i as a static one-line string (NULL out of range). Same for forks. */
LRP_API int lrp_explainer_notes(const lrp_explainer *explainer);
LRP_API const char *lrp_explainer_note(const lrp_explainer *explainer, int i);

typedef struct lrp_report lrp_report;

/* Explains 'input' (N,C,H,W): *relevance gets the input relevance
 * (N,C,H,W), *report what happened per image (caller frees both). */
LRP_API lrp_status lrp_explain(lrp_explainer *explainer, const lrp_array *input,
                               lrp_array *relevance, lrp_report **report, lrp_error *err);

LRP_API void lrp_report_free(lrp_report *report);

typedef struct lrp_image_report {
    int target;
    int n_classes;
    const float *logits;     /* n_classes values, owned by the report */
    double probability;      /* the target's, from the logits (lrp_output_probability) */
    double output_relevance; /* the seeded value */
    double input_relevance_sum;
    /* The rest are NaN when the method defines no conservation
       (lrp_explainer_conserves). (sum R_in - R_out) / R_out: */
    double conservation_error;
    /* where the missing relevance went, relative to R_out: what the
       stabilizers kept (the sum of the steps' absorbed) and what biases took
       (negative: gave); conservation_error = -(bias_loss + stabilizer_loss) */
    double bias_loss, stabilizer_loss;
} lrp_image_report;

LRP_API int lrp_report_images(const lrp_report *report);
LRP_API lrp_image_report lrp_report_image(const lrp_report *report, int image);
LRP_API double lrp_report_forward_ms(const lrp_report *report);
LRP_API double lrp_report_explain_ms(const lrp_report *report);
/* Inputs the explanation passed through the model, all images together:
 * forwards, and reverse passes (1 and 1 per image for a rule table or a
 * gradient; many for the multipass methods). */
LRP_API void lrp_report_passes(const lrp_report *report, long *forwards, long *backwards);
/* Memory the explanation held, in bytes: the model's weights (the float32
 * initializers its nodes read) and the activations its forward pass kept
 * for the passes after it (the input, the outputs, what the rules read);
 * peak memory is these plus the copies and workspaces of the backend. */
LRP_API void lrp_report_memory(const lrp_report *report, size_t *weight_bytes,
                               size_t *kept_bytes);

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

LRP_API int lrp_report_steps(const lrp_report *report);
LRP_API lrp_node_flow lrp_report_step(const lrp_report *report, int image, int step);

/* Relevance at each residual Add, in the order of lrp_model_residual_add. */
typedef struct lrp_residual_flow {
    const char *node, *kind;
    double relevance;  /* arriving at the Add's output */
    double mainstream; /* sent to M */
    double shortcut;   /* sent to S */
    double mainstream_share;
} lrp_residual_flow;

LRP_API int lrp_report_residuals(const lrp_report *report);
LRP_API lrp_residual_flow lrp_report_residual(const lrp_report *report, int image, int k);

/* ---- the image pipeline ------------------------------------------------- */

/* Decodes an image file (PNG, JPEG, BMP, GIF's first frame, TGA, PNM) into
 * *out, (H, W, C) floats in [0,1], C 1..4: gray, gray+alpha, RGB, RGBA
 * (8-bit samples v/255, 16-bit ones v/65535). Messages name the file. */
LRP_API lrp_status lrp_image_decode(const char *path, lrp_array *out, lrp_error *err);
/* The same from an encoded file in memory; 'name' is used in messages. */
LRP_API lrp_status lrp_image_decode_mem(const void *buf, size_t size, const char *name,
                                        lrp_array *out, lrp_error *err);

/* torchvision's ImageNet evaluation transform, Resize + CenterCrop +
 * ToTensor + Normalize, computed bit for bit as PIL computes it, with
 * PIL's convert('RGB') or convert('L') to the model's channels first. */
typedef struct lrp_preprocessing {
    int resize;         /* the shorter side after resizing; 0: none; < 0: the model's */
    int crop_h, crop_w; /* the center crop; 0: the model's (crop_w 0 alone: square) */
    int channels;       /* 1 (gray) or 3 (RGB): the model input's, set by _for_model */
    int n_mean, n_std;  /* values given below: 0: the model's, 1: for every channel,
                           or one per channel */
    float mean[4], std[4];
    int resize_h, resize_w; /* set by _for_model: both > 0 for a non-square crop without
                               a resize: Resize((h, w)) at 256/224 of each side */
    int channels_last;      /* set by _for_model: 1 when the input is (N, H, W, C) (NHWC) */
    int batch;              /* set by _for_model: the input's fixed batch, else 1; an image
                               fills every slot */
    /* what messages call the caller's resize, crop, mean and std (NULL: those
       words), e.g. a command line's "--resize"; the model's are "metadata
       onnx_lrp.resize" and so on */
    const char *resize_name, *crop_name, *mean_name, *std_name;
} lrp_preprocessing;

/* Everything "the model's": metadata onnx_lrp.resize, .crop, .mean, .std
 * (written by tools/export_resnet.py), then the input shape, then
 * ImageNet's (resize 256, crop 224, its mean and std; gray: their luma). */
LRP_API void lrp_preprocessing_init(lrp_preprocessing *p);
/* Resolves every "the model's" field of *p for 'model' and checks the
 * result fits the model input, (N, 1 or 3, H, W) or (N, H, W, 1 or 3).
 * Afterwards resize >= 0, crop_h, crop_w > 0, n_mean = n_std = channels,
 * and the _for_model fields are set. Messages name the model file and the
 * culprit: the caller's field by its name, or the metadata key. */
LRP_API lrp_status lrp_preprocessing_for_model(const lrp_model *model, lrp_preprocessing *p,
                                               lrp_error *err);
/* Only the mean and std, for a preprocessed tensor (the zbox bounds):
 * channels are the model input's dim 1, or x's (NULL: none) where that is
 * dynamic; the defaults of that count, then metadata onnx_lrp.mean and
 * .std, then p's. Sets p->channels = n_mean = n_std to the channel count,
 * or all three to 0 when nothing gives a mean and std (none given for 2, 4
 * or 5 and more channels). */
LRP_API lrp_status lrp_normalization_for_model(const lrp_model *model, const lrp_array *x,
                                               lrp_preprocessing *p, lrp_error *err);

/* A decoded image (H, W, C) into *input, the model's input of float32:
 * (batch, channels, crop_h, crop_w), or (batch, crop_h, crop_w, channels)
 * when channels_last, the image in every batch slot; display (NULL to
 * skip) gets the resized and cropped image (crop_h, crop_w, 3) in [0,1]
 * for overlays. Caller frees. */
LRP_API lrp_status lrp_preprocess_image(const lrp_preprocessing *p, const lrp_array *image,
                                        lrp_array *input, lrp_array *display, lrp_error *err);
/* lrp_image_decode + lrp_preprocess_image; messages name the file. */
LRP_API lrp_status lrp_image_load_input(const lrp_preprocessing *p, const char *path,
                                        lrp_array *input, lrp_array *display, lrp_error *err);
/* A relevance map of such an input, in the model's layout, to the first
 * image's (1, channels, H, W), in place (the other slots repeat it). */
LRP_API lrp_status lrp_relevance_to_planes(const lrp_preprocessing *p, lrp_array *relevance,
                                           lrp_error *err);

/* A float32 .npy file (C order, little-endian, rank 0..LRP_MAX_RANK) into
 * *out; untrusted headers are checked. Write: byte-identical to np.save,
 * into a temporary file renamed over 'path'. */
LRP_API lrp_status lrp_npy_load(const char *path, lrp_array *out, lrp_error *err);
LRP_API lrp_status lrp_npy_save(const char *path, const lrp_array *a, lrp_error *err);

/* How a relevance map becomes a picture, as `onnx-lrp explain` draws it. */
typedef struct lrp_heatmap_style {
    const char *cmap;  /* bwr (default), coldnhot, seismic, jet, gray */
    int quantize;      /* 0: off; 2..256: the paper's heat quantization into that many levels */
    int positive_only; /* 1: relevance <= 0 is drawn as 0 */
    double alpha;      /* overlay opacity at the strongest relevance, 0..1 (default 0.6) */
} lrp_heatmap_style;

LRP_API void lrp_heatmap_style_init(lrp_heatmap_style *style);

/* In place, method §6: with m = min, M = max and edges
 * b_i = m + i (M - m) / (L - 1), a value in [b_i, b_{i+1}) becomes b_i and
 * M stays M. Unchanged when M == m or levels < 2. */
LRP_API void lrp_quantize_heat(float *map, size_t n, int levels);

/* relevance (C, H, W) or (1, C, H, W) to rgb, H*W*3 bytes the caller
 * provides: the channel sum, quantized, through the colormap. */
LRP_API lrp_status lrp_render_heatmap(const lrp_array *relevance,
                                      const lrp_heatmap_style *style, uint8_t *rgb,
                                      lrp_error *err);
/* The heatmap over 'display' (H, W, 3) in [0,1] (lrp_preprocess_image's),
 * blended by alpha times the relevance's strength: where it is small, the
 * image shows through. */
LRP_API lrp_status lrp_render_overlay(const lrp_array *relevance, const lrp_array *display,
                                      const lrp_heatmap_style *style, uint8_t *rgb,
                                      lrp_error *err);
/* pixels (height, width, channels) bytes, channels 1..4, as a PNG file,
 * written atomically; the same pixels always give the same bytes. */
LRP_API lrp_status lrp_png_save(const char *path, const uint8_t *pixels, int width, int height,
                                int channels, lrp_error *err);

/* The model's Adds that are no split point (lrp_model_unclassified_add),
 * whose relevance the Add rule of §3 split; the strings are the model's. */
LRP_API int lrp_report_unclassified_adds(const lrp_report *report);
LRP_API lrp_unclassified_add lrp_report_unclassified_add(const lrp_report *report, int k);

#ifdef __cplusplus
}
#endif
#endif
