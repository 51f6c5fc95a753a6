/* The preprocessing and class names every image of a run shares, from
 * ImageNet's defaults, then the model (metadata_props onnx_lrp.*, input
 * shape), then the command line. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/image_job.h"
#include "io/file.h"
#include "io/image.h"
#include "util/error.h"

/* "a,b,c" (or one value for every channel) into out[channels]. */
static bool parse_list(const char *s, float *out, int channels)
{
    float v[4];
    int n = 0;
    const char *p = s;
    while (*p && n < 4) {
        char *end;
        double d = strtod(p, &end);
        if (end == p || !isfinite(d))
            return false;
        v[n++] = (float)d;
        p = *end == ',' ? end + 1 : end;
        if (*end != ',' && *end != '\0')
            return false;
    }
    if (*p || (n != channels && n != 1))
        return false;
    for (int c = 0; c < channels; c++)
        out[c] = v[n == 1 ? 0 : c];
    return true;
}

static lrp_status bad_meta(const char *key, const char *value, lrp_error *err)
{
    return lrp_error_set(err, LRP_ERR_PARSE, "metadata %s = '%s' is not valid", key, value);
}

/* metadata_props onnx_lrp.resize / .crop / .mean / .std, written by
 * tools/export_resnet.py. */
static lrp_status from_metadata(lrp_preprocess *p, const lrp_model *m, bool *crop_given,
                                lrp_error *err)
{
    const char *v;
    if ((v = lrp_model_metadata(m, "onnx_lrp.resize")) && sscanf(v, "%d", &p->resize) != 1)
        return bad_meta("onnx_lrp.resize", v, err);
    if ((v = lrp_model_metadata(m, "onnx_lrp.crop"))) {
        int n = sscanf(v, "%dx%d", &p->crop_h, &p->crop_w);
        if (n < 1)
            return bad_meta("onnx_lrp.crop", v, err);
        p->crop_w = n == 2 ? p->crop_w : p->crop_h;
        *crop_given = true;
    }
    if ((v = lrp_model_metadata(m, "onnx_lrp.mean")) && !parse_list(v, p->mean, p->channels))
        return bad_meta("onnx_lrp.mean", v, err);
    if ((v = lrp_model_metadata(m, "onnx_lrp.std")) && !parse_list(v, p->std, p->channels))
        return bad_meta("onnx_lrp.std", v, err);
    return LRP_OK;
}

static lrp_status from_options(lrp_preprocess *p, const explain_opts *o, bool *crop_given,
                               lrp_error *err)
{
    if (o->resize >= 0)
        p->resize = o->resize;
    if (o->crop_h > 0) {
        p->crop_h = o->crop_h;
        p->crop_w = o->crop_w;
        *crop_given = true;
    }
    for (int c = 0; c < p->channels; c++) {
        if (o->n_mean)
            p->mean[c] = o->mean[o->n_mean == 1 ? 0 : c];
        if (o->n_std)
            p->std[c] = o->std[o->n_std == 1 ? 0 : c];
    }
    if ((o->n_mean > 1 && o->n_mean != p->channels) || (o->n_std > 1 && o->n_std != p->channels))
        return lrp_error_set(err, LRP_ERR_ARG, "--mean and --std need 1 or %d values (the "
                             "model's input channels)", p->channels);
    for (int c = 0; c < p->channels; c++)
        if (!(p->std[c] > 0))
            return lrp_error_set(err, LRP_ERR_ARG, "std must be > 0");
    return LRP_OK;
}

/* The model's input channels: images become 1 (gray) or 3 (RGB) planes. */
static lrp_status input_channels(lrp_preprocess *p, const lrp_model_info *info, lrp_error *err)
{
    if (info->input_rank != 4 || (info->input_dims[1] != 1 && info->input_dims[1] != 3))
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                             "the model input is not (N, 1 or 3, H, W): images cannot feed it");
    p->channels = (int)info->input_dims[1];
    return LRP_OK;
}

/* A static input size comes from the model: a fixed (H, W) is the crop.
 * A crop without a resize keeps ImageNet's 256/224 ratio (224 -> 256). */
static lrp_status fit_input_size(lrp_preprocess *p, const lrp_model_info *info, bool crop_given,
                                 bool resize_given, lrp_error *err)
{
    int64_t h = info->input_dims[2], w = info->input_dims[3];
    if (h > 0 && w > 0 && !crop_given) {
        p->crop_h = (int)h;
        p->crop_w = (int)w;
    }
    if (!resize_given && p->crop_h > 0 && p->crop_w > 0)
        p->resize = (int)lround((p->crop_h < p->crop_w ? p->crop_h : p->crop_w) * 256.0 / 224.0);
    if (h > 0 && w > 0 && (p->crop_h != h || p->crop_w != w))
        return lrp_error_set(err, LRP_ERR_ARG,
                             "a %dx%d crop does not fit the model input, %lldx%lld pixels",
                             p->crop_h, p->crop_w, (long long)h, (long long)w);
    return LRP_OK;
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
            return lrp_error_set(err, LRP_ERR_PARSE, "%s: line %d is empty (one class name a "
                                 "line)", what, s->n_labels + 1);
        s->labels[s->n_labels++] = line;
        line = next;
    }
    if (n_classes > 0 && s->n_labels != n_classes)
        return lrp_error_set(err, LRP_ERR_ARG, "%s has %d class names, but the model has %d "
                             "classes", what, s->n_labels, n_classes);
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
    lrp_preprocess *p = &s->pre;
    lrp_preprocess_defaults(p);
    lrp_model_info info;
    bool crop_given = false;
    bool resize_given = o->resize >= 0 || lrp_model_metadata(m, "onnx_lrp.resize");
    lrp_status st = lrp_model_get_info(m, &info, err);
    if (st == LRP_OK)
        st = input_channels(p, &info, err);
    if (st == LRP_OK)
        st = from_metadata(p, m, &crop_given, err);
    if (st == LRP_OK)
        st = from_options(p, o, &crop_given, err);
    if (st == LRP_OK)
        st = fit_input_size(p, &info, crop_given, resize_given, err);
    if (st) {
        lrp_error_prefix(err, "%s", o->model);
        return st;
    }
    return load_labels(s, o, m, err); /* its messages name the labels file */
}

void image_setup_free(image_setup *s)
{
    free(s->labels);
    free(s->label_text);
    memset(s, 0, sizeof *s);
}

static lrp_status preprocess(const image_setup *s, const lrp_image *img, lrp_array *x,
                             lrp_image *display, lrp_error *err)
{
    const lrp_preprocess *p = &s->pre;
    int h, w;
    lrp_status st = lrp_preprocess_size(p, img->width, img->height, &h, &w, err);
    if (st)
        return st;
    *x = (lrp_array){.rank = 4, .dims = {1, p->channels, h, w}};
    x->data = malloc(lrp_array_count(x) * sizeof(float));
    if (!x->data)
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
    return lrp_preprocess_run(img, p, x->data, display, err);
}

lrp_status image_setup_load(const image_setup *s, const char *path, lrp_array *x,
                            lrp_image *display, lrp_error *err)
{
    lrp_image img = {0};
    memset(x, 0, sizeof *x);
    memset(display, 0, sizeof *display);
    lrp_status st = lrp_image_load(path, &img, err); /* its messages name the file */
    if (st == LRP_OK && (st = preprocess(s, &img, x, display, err)))
        lrp_error_prefix(err, "%s", path); /* preprocessing knows no file name */
    lrp_image_free(&img);
    if (st) {
        lrp_array_free(x);
        lrp_image_free(display);
    }
    return st;
}
