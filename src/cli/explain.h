/* onnx-lrp explain: options, and its two modes (a preprocessed tensor, or
 * image files with heatmaps written to a folder). */
#ifndef LRP_CLI_EXPLAIN_H
#define LRP_CLI_EXPLAIN_H

#include "cli/cli.h"
#include "cli/method_options.h"
#include "cli/shard.h"
#include "io/json.h"

typedef struct explain_opts {
    const char *command; /* "explain" or "evaluate", for usage messages */
    const char *model;
    char **inputs; /* image files, directories, @lists */
    int n_inputs;
    const char *input_tensor;
    const char *relevance_out; /* tensor mode: R.npy */
    bool save_relevance;       /* image mode: <stem>.relevance.npy */
    const char *out_dir;
    bool json;
    double check_tol; /* < 0: no check */
    lrp_config config;
    lrp_method_params methods; /* the multipass methods' options */
    unsigned methods_given;    /* which of them were given (method_options.h) */
    /* image mode; -1 / NULL / 0 counts: from the model's metadata or defaults */
    int resize; /* 0: no resize */
    int crop_h, crop_w;
    float mean[4], std[4];
    int n_mean, n_std;
    const char *labels;
    int colormap;
    bool positive;
    double overlay_alpha;
    int quantize; /* levels; 0 = off */
    int topk;
    int threads;     /* 0 = all cores */
    cli_shard shard; /* images: --shard, n == 0 for all */
    bool force;      /* images: explain again what OUT/records already holds */
    char **argv;     /* the command line, argv[0] the command: recorded with the outputs */
    int argc;
    const struct eval_merge *merge; /* onnx-lrp merge: every image from its shard's record */
    int repeat;                     /* tensor mode: runs timed, medians reported */
    unsigned scoped_given;          /* bits of the mode-bound options given (cmd_explain.c) */
} explain_opts;

/* One option about images or pictures (--resize, --crop, --mean, --std,
 * --labels, --colormap, ...) into o; CLI_BAD_INPUT for a bad value. */
int cli_image_option(const char *name, const char *value, explain_opts *o);

/* The library's preprocessing overrides from --resize, --crop, --mean and
 * --std (unset options: the model's), named so in messages. */
void cli_preprocessing_overrides(const explain_opts *o, lrp_preprocessing *p);

/* The output folder exists (made with its missing parents) and takes files. */
lrp_status cli_check_out_dir(const char *dir, lrp_error *err);

/* --input-tensor: relevance of a preprocessed (N,C,H,W) tensor. */
int cli_explain_tensor(const explain_opts *o, lrp_model *m);
/* Image files: heatmaps, overlays and report.json into o->out_dir. */
int cli_explain_images(const explain_opts *o, lrp_model *m);
/* onnx-lrp explain with argv[1..] its options; merge as in explain_opts. */
int cli_explain_main(int argc, char **argv, const struct eval_merge *merge);

/* "zbox_bounds": {"low": [...], "high": [...]} (per input channel) for a
 * preset with a zbox layer, and "notes": [...] when the explainer has any. */
void cli_json_method_fields(lrp_json *j, const lrp_explainer *e);

/* The fields of image i's JSON object (the caller opens and closes it);
 * the timings are the report's, or medians over repeated runs. */
void cli_json_image_fields(lrp_json *j, const lrp_report *rep, int i, const lrp_explainer *e,
                           double forward_ms, double explain_ms);

#endif
