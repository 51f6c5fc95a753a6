/* lrp_preprocessing_for_model: the preprocessing a model asks for, from
 * ImageNet's defaults, then its metadata_props onnx_lrp.* and input shape,
 * then what the caller set. The same order and checks as the CLI's
 * cli/image_setup.c, with the caller's fields named as in lrp.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/model.h"
#include "io/preprocess.h"
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

/* A whole number from lo to 65536 and nothing after it, ending at *end. */
static bool parse_pixels(const char *s, int lo, char **end, int *out)
{
    long v = strtol(s, end, 10);
    *out = (int)v;
    return *end != s && v >= lo && v <= 65536;
}

static lrp_status bad_meta(const char *key, const char *value, lrp_error *err)
{
    return lrp_error_set(err, LRP_ERR_PARSE, "metadata %s = '%s' is not valid", key, value);
}

/* n values from 'what' into out[channels]: n = channels, or 1 for every
 * channel; any other count is an error. */
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

/* mean and std: the defaults of the channel count, the metadata, the caller. */
static lrp_status resolve_norm(const lrp_model *m, const lrp_preprocessing *user,
                               lrp_preprocess *p, lrp_error *err)
{
    bool meta_std = false, unused = false;
    int n = p->channels;
    lrp_norm_defaults(n, p->mean, p->std); /* 1 and 3 channels have defaults */
    lrp_status st = norm_from_metadata(m, "onnx_lrp.mean", n, p->mean, &unused, err);
    if (!st)
        st = norm_from_metadata(m, "onnx_lrp.std", n, p->std, &meta_std, err);
    if (!st && (user->n_mean < 0 || user->n_mean > 4 || user->n_std < 0 || user->n_std > 4))
        st = lrp_error_set(err, LRP_ERR_ARG, "n_mean %d, n_std %d: give 0 to 4 values",
                           user->n_mean, user->n_std);
    if (!st && user->n_mean)
        st = spread(user->mean, user->n_mean, n, "mean", p->mean, err);
    if (!st && user->n_std)
        st = spread(user->std, user->n_std, n, "std", p->std, err);
    for (int c = 0; !st && c < n; c++)
        if (!(p->std[c] > 0))
            st = lrp_error_set(err, LRP_ERR_ARG, "%s: the std must be > 0 (channel %d: %g)",
                               user->n_std ? "std" : meta_std ? "metadata onnx_lrp.std" : "std",
                               c, (double)p->std[c]);
    return st;
}

/* metadata onnx_lrp.resize ("N", 0: none) and .crop ("N" or "HxW"). */
static lrp_status size_from_metadata(const lrp_model *m, lrp_preprocess *p, bool *crop_given,
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

/* A fixed input (H, W) is the crop; a crop without a resize keeps
 * ImageNet's 256/224 ratio; a resize below the crop is refused. */
static lrp_status fit_input_size(lrp_preprocess *p, const lrp_model_info *info, bool crop_given,
                                 bool resize_given, bool resize_user, lrp_error *err)
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
    int shorter = p->crop_h < p->crop_w ? p->crop_h : p->crop_w;
    if (p->resize > 0 && p->resize < shorter)
        return lrp_error_set(err, LRP_ERR_ARG,
                             "%s %d is smaller than the %dx%d crop: the shorter side is resized "
                             "to it, so it must be at least %d (or 0: no resize)",
                             resize_user ? "resize" : "metadata onnx_lrp.resize", p->resize,
                             p->crop_h, p->crop_w, shorter);
    return LRP_OK;
}

void lrp_preprocessing_init(lrp_preprocessing *p)
{
    memset(p, 0, sizeof *p);
    p->resize = -1;
}

static lrp_status resolve(const lrp_model *m, lrp_preprocessing *user, lrp_preprocess *p,
                          lrp_error *err)
{
    lrp_model_info info;
    lrp_status st = lrp_model_get_info(m, &info, err);
    if (st)
        return st;
    if (info.input_rank != 4 || (info.input_dims[1] != 1 && info.input_dims[1] != 3))
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                             "the model input is not (N, 1 or 3, H, W): images cannot feed it");
    if (user->resize > 65536 || user->crop_h < 0 || user->crop_w < 0 || user->crop_h > 65536 ||
        user->crop_w > 65536)
        return lrp_error_set(err, LRP_ERR_ARG, "resize %d, crop %dx%d: sides are 0 to 65536",
                             user->resize, user->crop_h, user->crop_w);
    lrp_preprocess_defaults(p);
    p->channels = (int)info.input_dims[1];
    bool crop_given = false;
    bool resize_given = user->resize >= 0 || lrp_model_metadata(m, "onnx_lrp.resize");
    if ((st = size_from_metadata(m, p, &crop_given, err)) || (st = resolve_norm(m, user, p, err)))
        return st;
    if (user->resize >= 0)
        p->resize = user->resize;
    if (user->crop_h > 0) {
        p->crop_h = user->crop_h;
        p->crop_w = user->crop_w > 0 ? user->crop_w : user->crop_h;
        crop_given = true;
    }
    return fit_input_size(p, &info, crop_given, resize_given, user->resize >= 0, err);
}

lrp_status lrp_preprocessing_for_model(const lrp_model *m, lrp_preprocessing *user,
                                       lrp_error *err)
{
    lrp_preprocess p;
    lrp_status st = resolve(m, user, &p, err);
    if (st) {
        lrp_error_prefix(err, "%s", m->path);
        return st;
    }
    user->resize = p.resize;
    user->crop_h = p.crop_h;
    user->crop_w = p.crop_w;
    user->channels = p.channels;
    user->n_mean = user->n_std = p.channels;
    memcpy(user->mean, p.mean, sizeof user->mean);
    memcpy(user->std, p.std, sizeof user->std);
    return LRP_OK;
}
