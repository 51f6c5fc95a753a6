/* The preprocessing and class names every image of a run shares: the
 * command line's overrides, resolved by the library against the model
 * (lrp_preprocessing_for_model), and the labels. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/image_input.h"
#include "cli/image_job.h"
#include "io/file.h"
#include "io/image.h"
#include "util/error.h"

void cli_preprocessing_overrides(const explain_opts *o, lrp_preprocessing *p)
{
    lrp_preprocessing_init(p);
    p->resize = o->resize;
    p->crop_h = o->crop_h > 0 ? o->crop_h : 0;
    p->crop_w = o->crop_h > 0 ? o->crop_w : 0;
    p->n_mean = o->n_mean;
    p->n_std = o->n_std;
    memcpy(p->mean, o->mean, sizeof p->mean);
    memcpy(p->std, o->std, sizeof p->std);
    p->resize_name = "--resize";
    p->crop_name = "--crop";
    p->mean_name = "--mean";
    p->std_name = "--std";
}

/* evaluate perturbs pixels of (C, H, W) planes of one image. */
static lrp_status evaluate_layout(const image_setup *s, const lrp_model *m, lrp_error *err)
{
    lrp_model_info info;
    lrp_status st = lrp_model_get_info(m, &info, err);
    const int64_t *d = info.input_dims;
    if (st || strcmp(s->o->command, "evaluate") != 0 ||
        (!s->input.channels_last && s->input.batch == 1))
        return st;
    lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                  "evaluate needs a model input of (1 or any, C, H, "
                  "W); this one is (%lld, %lld, %lld, %lld)",
                  (long long)d[0], (long long)d[1], (long long)d[2], (long long)d[3]);
    lrp_error_prefix(err, "%s", s->o->model);
    return LRP_ERR_UNSUPPORTED;
}

/* The lines of s->label_text as class names: exactly n_classes of them
 * (0: unknown, any count), none empty; 'what' names the source. */
static lrp_status split_labels(image_setup *s, size_t size, int n_classes, const char *what,
                               lrp_error *err)
{
    if (!(s->labels = calloc(size + 2, sizeof *s->labels)))
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory for labels");
    char *line = s->label_text;
    while (size > 0 && (line[size - 1] == '\n' || line[size - 1] == '\r'))
        line[--size] = '\0'; /* blank lines at the end name no class */
    while (line && *line) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        line[strcspn(line, "\r")] = '\0';
        if (!*line)
            return lrp_error_set(err, LRP_ERR_PARSE,
                                 "%s: line %d is empty (one class name a "
                                 "line)",
                                 what, s->n_labels + 1);
        s->labels[s->n_labels++] = line;
        line = next;
    }
    if (n_classes > 0 && s->n_labels != n_classes)
        return lrp_error_set(err, LRP_ERR_ARG,
                             "%s has %d class names, but the model has %d "
                             "classes",
                             what, s->n_labels, n_classes);
    return LRP_OK;
}

/* Class names: --labels FILE, else metadata onnx_lrp.labels; one a line. */
static lrp_status load_labels(image_setup *s, const explain_opts *o, const lrp_model *m,
                              lrp_error *err)
{
    const char *meta = lrp_model_metadata(m, "onnx_lrp.labels");
    size_t size = 0;
    if (o->labels) {
        void *buf;
        lrp_status st = lrp_read_file(o->labels, (size_t)16 << 20, &buf, &size, err);
        if (st)
            return st;
        s->label_text = buf;
    } else if (meta) {
        size = strlen(meta);
        if ((s->label_text = malloc(size + 1)))
            memcpy(s->label_text, meta, size + 1);
    } else {
        return LRP_OK;
    }
    if (!s->label_text)
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory for labels");
    char what[600];
    if (o->labels)
        snprintf(what, sizeof what, "%s", o->labels);
    else
        snprintf(what, sizeof what, "%s: metadata onnx_lrp.labels", o->model);
    return split_labels(s, size, cli_model_classes(m), what, err);
}

lrp_status image_setup_init(image_setup *s, const explain_opts *o, const lrp_model *m,
                            lrp_error *err)
{
    memset(s, 0, sizeof *s);
    s->o = o;
    cli_preprocessing_overrides(o, &s->input);
    lrp_status st = lrp_preprocessing_for_model(m, &s->input, err); /* names the model */
    if (st || (st = evaluate_layout(s, m, err)))
        return st;
    lrp_preprocess_from(&s->input, &s->pre);
    return load_labels(s, o, m, err); /* its messages name the labels file */
}

void image_setup_free(image_setup *s)
{
    free(s->labels);
    free(s->label_text);
    memset(s, 0, sizeof *s);
}

lrp_status image_setup_load(const image_setup *s, const char *path, lrp_array *x,
                            lrp_image *display, unsigned *conversions, lrp_error *err)
{
    lrp_image img = {0};
    memset(x, 0, sizeof *x);
    memset(display, 0, sizeof *display);
    lrp_status st = lrp_image_load(path, &img, err); /* its messages name the file */
    if (st == LRP_OK && conversions)
        *conversions = lrp_preprocess_conversions(img.channels, s->pre.channels);
    if (st == LRP_OK && (st = lrp_image_to_input(&s->input, &img, x, display, err)))
        lrp_error_prefix(err, "%s", path); /* preprocessing knows no file name */
    lrp_image_free(&img);
    if (st) {
        lrp_array_free(x);
        lrp_image_free(display);
    }
    return st;
}
