/* onnx-lrp evaluate: the methods compared, and what is recorded per image. */
#ifndef LRP_CLI_EVALUATE_H
#define LRP_CLI_EVALUATE_H

#include "cli/eval_resume.h"
#include "cli/image_job.h"
#include "cli/labels_csv.h"
#include "eval/insdel.h"
#include "explain/multipass.h"

/* One method on --methods: "random", or PRESET[:SPLIT][+hq]. */
typedef struct eval_method {
    char name[96];            /* as the user wrote it */
    bool random;              /* the floor: a seeded random map */
    bool quantize;            /* +hq: the paper's heat quantization (8 levels) */
    bool lrp;                 /* its method defines conservation (lrp_explainer_conserves) */
    bool relevance;           /* and is a rule table: its Σ R_in goes into conservation.svg
                                 (integrated-gradients' completeness, in logits, does not) */
    lrp_explainer *e;         /* NULL for random */
    double *ins, *del;        /* per image: the AUCs */
    double *cons;             /* per image: conservation error (lrp methods) */
    double *r_in, *prob;      /* per image: Σ input relevance and p(target) (Fig. 5) */
    double seconds;           /* explanation time, summed over the images computed */
    double setup_seconds;     /* making it ready before the first image (warm-up) */
    int timed;                /* those images (records read back keep no time) */
    long forwards, backwards; /* passes through the model, summed over images */
    long curve_forwards;      /* inputs the curves ran through the model, summed over 'timed' */
    double *ins_curve, *del_curve; /* sums over images, n_points each */
    int n_points;
} eval_method;

typedef struct eval_run {
    const char *model;
    eval_method *methods;
    int n_methods;
    char **files; /* per image evaluated */
    int *label, *predicted;
    int n_images; /* evaluated so far */
    int step;     /* pixels per step as used */
    int patch;    /* --patch: P x P patches ranked (1: pixels) */
    const image_setup *setup;
    const cli_labels_csv *csv;       /* --labels-csv, or NULL: the label is the prediction */
    const lrp_method_params *params; /* the multipass methods' options */
} eval_run;

/* The table on stdout; evaluate.json and curves.svg into out_dir. */
void eval_print_table(const eval_run *r);
lrp_status eval_write_json(const eval_run *r, const char *path, lrp_error *err);
lrp_status eval_write_curves(const eval_run *r, const char *path, lrp_error *err);
/* conservation.svg: Σ R_in against p(target) per image for the rule-table
 * methods that define conservation; nothing is written when none does. */
lrp_status eval_write_conservation(const eval_run *r, const char *path, lrp_error *err);
/* timing.json: seconds and curve forwards per image of each method, apart
 * from evaluate.json, whose bytes do not depend on the machine's speed. */
lrp_status eval_write_timing(const eval_run *r, const char *path, lrp_error *err);

/* onnx-lrp evaluate with argv[1..] its options; merge non-NULL: every image
 * from its shard's records (onnx-lrp merge), none computed. An exit code. */
int cli_evaluate_main(int argc, char **argv, const eval_merge *merge);

#endif
