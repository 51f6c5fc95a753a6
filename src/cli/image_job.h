/* Explaining one image file: the settings every image shares, and what
 * one image produces (files, a terminal line, JSON objects, or an error). */
#ifndef LRP_CLI_IMAGE_JOB_H
#define LRP_CLI_IMAGE_JOB_H

#include "cli/explain.h"
#include "cli/inputs.h"
#include "io/image.h"
#include "io/preprocess.h"

typedef struct image_setup {
    const explain_opts *o;
    lrp_preprocessing input; /* resolved: defaults < model metadata < options */
    lrp_preprocess pre;      /* the same, as io/ takes it */
    char **labels;           /* class names, or NULL */
    int n_labels;
    char *label_text; /* storage behind labels */
} image_setup;

lrp_status image_setup_init(image_setup *s, const explain_opts *o, const lrp_model *m,
                            lrp_error *err);

/* Decodes and preprocesses one image: x normalized in the model's layout,
 * (batch, C, H, W) or (batch, H, W, C), the image in every batch slot;
 * display the cropped image (H, W, 3) in [0,1]; both the caller's. *conversions
 * (NULL: not wanted) gets the lrp_conversion flags the image went through.
 * Messages name the file. */
lrp_status image_setup_load(const image_setup *s, const char *path, lrp_array *x,
                            lrp_image *display, unsigned *conversions, lrp_error *err);
void image_setup_free(image_setup *s);


typedef struct image_result {
    bool finished;
    char *error;      /* "FILE: reason" when the image failed */
    char *line;       /* the terminal line */
    char *json_lines; /* --json: one object per explanation and line */
    char **objects;   /* report.json: one serialized object per explanation */
    int n_objects;
    bool not_conserved;
    unsigned conversions; /* lrp_conversion flags of the image */
    char **outputs;       /* the files written, by name within out_dir */
    int n_outputs;
} image_result;

/* Explains one image (its top-k classes) with e and writes its files. */
void image_job_run(const image_setup *s, lrp_explainer *e, const cli_input *in,
                   image_result *res);
void image_result_clear(image_result *res);

#endif
