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

/* "a,b,c" into v[4]: the count, or -1 when it is not 1 to 4 numbers. */
static int parse_list(const char *s, float *v)
{
    int n = 0;
    const char *p = s;
    while (*p && n < 4) {
        char *end;
        double d = strtod(p, &end);
        if (end == p || !isfinite(d))
            return -1;
        v[n++] = (float)d;
        p = *end == ',' ? end + 1 : end;
        if (*end != ',' && *end != '\0')
            return -1;
    }
    return *p || n == 0 ? -1 : n;
}

static lrp_status bad_meta(const char *key, const char *value, lrp_error *err)
{
    return lrp_error_set(err, LRP_ERR_PARSE, "metadata %s = '%s' is not valid", key, value);
}

/* n values from 'what' into out[channels]: n = channels, or 1 for every
 * channel (a documented broadcast); any other count is an error. */
static lrp_status spread(const float *v, int n, int channels, const char *what, float *out,
                         lrp_error *err)
{
    if (n != channels && n != 1)
        return lrp_error_set(err, LRP_ERR_ARG, "%s has %d values and the model input %d "
                             "channel%s: give %d%s", what, n, channels, channels == 1 ? "" : "s",
                             channels, channels == 1 ? "" : " (or 1 for every channel)");
    for (int c = 0; c < channels; c++)
        out[c] = v[n == 1 ? 0 : c];
    return LRP_OK;
}

static lrp_status norm_from_metadata(const lrp_model *m, const char *key, int channels,
                                     float *out, bool *given, lrp_error *err)
{
    const char *s = lrp_model_metadata(m, key);
    float v[4];
    int n;
    if (!s)
        return LRP_OK;
    if ((n = parse_list(s, v)) < 0)
        return bad_meta(key, s, err);
    *given = true;
    char what[64];
    snprintf(what, sizeof what, "metadata %s", key);
    return spread(v, n, channels, what, out, err);
}

lrp_status cli_resolve_norm(const explain_opts *o, const lrp_model *m, int64_t channels,
                            float *mean, float *std, bool *known, lrp_error *err)
{
    bool given_mean = false, given_std = false;
    *known = false;
    if (channels < 1 || channels > 4) { /* the most --mean and the metadata take */
        bool given = o->n_mean || o->n_std || lrp_model_metadata(m, "onnx_lrp.mean") ||
                     lrp_model_metadata(m, "onnx_lrp.std");
        return given ? lrp_error_set(err, LRP_ERR_ARG, "a mean and std for %lld input channels: "
                                     "at most 4 are supported", (long long)channels)
                     : LRP_OK;
    }
    *known = lrp_norm_defaults((int)channels, mean, std);
    int n = (int)channels;
    lrp_status st = norm_from_metadata(m, "onnx_lrp.mean", n, mean, &given_mean, err);
    if (!st)
        st = norm_from_metadata(m, "onnx_lrp.std", n, std, &given_std, err);
    if (!st && o->n_mean)
        st = spread(o->mean, o->n_mean, n, "--mean", mean, err);
    if (!st && o->n_std)
        st = spread(o->std, o->n_std, n, "--std", std, err);
    if (st)
        return st;
    given_mean = given_mean || o->n_mean;
    given_std = given_std || o->n_std;
    if (!*known && given_mean != given_std)
        return lrp_error_set(err, LRP_ERR_ARG, "a %d-channel input has no default mean and "
                             "std: give both (--mean, --std)", n);
    *known = *known || given_mean;
    for (int c = 0; *known && c < n; c++)
        if (!(std[c] > 0))
            return lrp_error_set(err, LRP_ERR_ARG, "%s: the std must be > 0 (channel %d: %g)",
                                 o->n_std ? "--std" : "metadata onnx_lrp.std", c, (double)std[c]);
    return LRP_OK;
}

/* A whole number from lo to 65536 and nothing after it, ending at *end. */
static bool parse_pixels(const char *s, int lo, char **end, int *out)
{
    long v = strtol(s, end, 10);
    *out = (int)v;
    return *end != s && v >= lo && v <= 65536;
}

/* metadata_props onnx_lrp.resize ("N", 0: none) and .crop ("N" or "HxW"),
 * written by tools/export_resnet.py (.mean and .std: cli_resolve_norm). */
static lrp_status from_metadata(lrp_preprocess *p, const lrp_model *m, bool *crop_given,
                                lrp_error *err)
{
    const char *v;
    char *end;
    if ((v = lrp_model_metadata(m, "onnx_lrp.resize")) &&
        (!parse_pixels(v, 0, &end, &p->resize) || *end))
        return bad_meta("onnx_lrp.resize", v, err);
    if ((v = lrp_model_metadata(m, "onnx_lrp.crop"))) {
        bool ok = parse_pixels(v, 1, &end, &p->crop_h);
        p->crop_w = p->crop_h;
        if (ok && *end == 'x')
            ok = parse_pixels(end + 1, 1, &end, &p->crop_w);
        if (!ok || *end)
            return bad_meta("onnx_lrp.crop", v, err);
        *crop_given = true;
    }
    return LRP_OK;
}

static void from_options(lrp_preprocess *p, const explain_opts *o, bool *crop_given)
{
    if (o->resize >= 0)
        p->resize = o->resize;
    if (o->crop_h > 0) {
        p->crop_h = o->crop_h;
        p->crop_w = o->crop_w;
        *crop_given = true;
    }
}

static bool image_channels(int64_t c)
{
    return c == 1 || c == 3;
}

/* The model's input layout: (N, C, H, W), or (N, H, W, C) when dim 1 cannot
 * be the channels and dim 3 can (an NHWC front); images become 1 (gray) or
 * 3 (RGB) planes. A fixed batch N > 1 is filled with copies of each image. */
static lrp_status input_layout(image_setup *s, const lrp_model_info *info, lrp_error *err)
{
    const int64_t *d = info->input_dims;
    if (info->input_rank != 4 || (!image_channels(d[1]) && !image_channels(d[3])))
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED, "the model input is neither (N, 1 or 3, "
                             "H, W) nor (N, H, W, 1 or 3): images cannot feed it");
    s->channels_last = !image_channels(d[1]);
    s->pre.channels = (int)d[s->channels_last ? 3 : 1];
    s->batch = d[0] > 1 ? (int)d[0] : 1;
    if (strcmp(s->o->command, "evaluate") == 0 && (s->channels_last || s->batch > 1))
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED, "evaluate needs a model input of "
                             "(1 or any, C, H, W); this one is (%lld, %lld, %lld, %lld)",
                             (long long)d[0], (long long)d[1], (long long)d[2], (long long)d[3]);
    return LRP_OK;
}

/* A static input size comes from the model: a fixed (H, W) is the crop.
 * A crop without a resize keeps ImageNet's 256/224 ratio (224 -> 256): of
 * the shorter side for a square crop, of each side for another (Resize((h,
 * w)), so that the crop fits every image); a resize below the crop is
 * refused, naming --resize (resize_option) or the metadata. */
static lrp_status fit_input_size(const image_setup *s, lrp_preprocess *p,
                                 const lrp_model_info *info, bool crop_given, bool resize_given,
                                 bool resize_option, lrp_error *err)
{
    int64_t h = info->input_dims[s->channels_last ? 1 : 2];
    int64_t w = info->input_dims[s->channels_last ? 2 : 3];
    if (h > 0 && w > 0 && !crop_given) {
        p->crop_h = (int)h;
        p->crop_w = (int)w;
    }
    if (!resize_given && p->crop_h > 0 && p->crop_h == p->crop_w)
        p->resize = (int)lround(p->crop_h * 256.0 / 224.0);
    if (!resize_given && p->crop_h > 0 && p->crop_w > 0 && p->crop_h != p->crop_w) {
        p->resize_h = (int)lround(p->crop_h * 256.0 / 224.0);
        p->resize_w = (int)lround(p->crop_w * 256.0 / 224.0);
    }
    if (h > 0 && w > 0 && (p->crop_h != h || p->crop_w != w))
        return lrp_error_set(err, LRP_ERR_ARG,
                             "a %dx%d crop does not fit the model input, %lldx%lld pixels",
                             p->crop_h, p->crop_w, (long long)h, (long long)w);
    int shorter = p->crop_h < p->crop_w ? p->crop_h : p->crop_w;
    if (p->resize > 0 && p->resize < shorter) /* every image would come out too small */
        return lrp_error_set(err, LRP_ERR_ARG,
                             "%s %d is smaller than the %dx%d crop: the shorter side is resized "
                             "to it, so it must be at least %d (or 0: no resize)",
                             resize_option ? "--resize" : "metadata onnx_lrp.resize", p->resize,
                             p->crop_h, p->crop_w, shorter);
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
    bool crop_given = false, known;
    bool resize_given = o->resize >= 0 || lrp_model_metadata(m, "onnx_lrp.resize");
    lrp_status st = lrp_model_get_info(m, &info, err);
    if (st == LRP_OK)
        st = input_layout(s, &info, err);
    if (st == LRP_OK)
        st = from_metadata(p, m, &crop_given, err);
    if (st == LRP_OK)
        st = cli_resolve_norm(o, m, p->channels, p->mean, p->std, &known, err);
    if (st == LRP_OK) {
        from_options(p, o, &crop_given);
        st = fit_input_size(s, p, &info, crop_given, resize_given, o->resize >= 0, err);
    }
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

/* (C, H, W) planes to (H, W, C) pixels. */
static void to_channels_last(const float *chw, int c, int h, int w, float *hwc)
{
    for (int k = 0; k < c; k++)
        for (size_t i = 0; i < (size_t)h * (size_t)w; i++)
            hwc[i * (size_t)c + (size_t)k] = chw[(size_t)k * h * w + i];
}

static lrp_status preprocess(const image_setup *s, const lrp_image *img, lrp_array *x,
                             lrp_image *display, lrp_error *err)
{
    const lrp_preprocess *p = &s->pre;
    int h, w, c = p->channels;
    lrp_status st = lrp_preprocess_size(p, img->width, img->height, &h, &w, err);
    if (st)
        return st;
    *x = s->channels_last ? (lrp_array){.rank = 4, .dims = {s->batch, h, w, c}}
                          : (lrp_array){.rank = 4, .dims = {s->batch, c, h, w}};
    size_t one = (size_t)c * (size_t)h * (size_t)w;
    x->data = malloc(lrp_array_count(x) * sizeof(float));
    float *chw = s->channels_last ? malloc(one * sizeof(float)) : x->data;
    if (!x->data || !chw) {
        if (chw != x->data)
            free(chw);
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
    }
    st = lrp_preprocess_run(img, p, chw, display, err);
    if (s->channels_last) {
        to_channels_last(chw, c, h, w, x->data);
        free(chw);
    }
    for (int b = 1; b < s->batch; b++) /* a fixed batch: the image in every slot */
        memcpy(x->data + (size_t)b * one, x->data, one * sizeof(float));
    return st;
}

lrp_status image_setup_planes(const image_setup *s, lrp_array *r, lrp_error *err)
{
    r->dims[0] = 1;
    if (!s->channels_last)
        return LRP_OK;
    int64_t h = r->dims[1], w = r->dims[2], c = r->dims[3]; /* through a copy of image 0 */
    size_t plane = (size_t)h * (size_t)w;
    float *hwc = malloc(plane * (size_t)c * sizeof(float) + 1);
    if (!hwc)
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
    memcpy(hwc, r->data, plane * (size_t)c * sizeof(float));
    for (int64_t k = 0; k < c; k++)
        for (size_t i = 0; i < plane; i++)
            r->data[(size_t)k * plane + i] = hwc[i * (size_t)c + (size_t)k];
    free(hwc);
    r->dims[1] = c;
    r->dims[2] = h;
    r->dims[3] = w;
    return LRP_OK;
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
    if (st == LRP_OK && (st = preprocess(s, &img, x, display, err)))
        lrp_error_prefix(err, "%s", path); /* preprocessing knows no file name */
    lrp_image_free(&img);
    if (st) {
        lrp_array_free(x);
        lrp_image_free(display);
    }
    return st;
}
