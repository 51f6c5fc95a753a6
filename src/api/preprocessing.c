/* lrp_preprocessing_for_model: the preprocessing a model asks for, from
 * ImageNet's defaults, then its metadata_props onnx_lrp.* and input shape,
 * then what the caller set; the one resolution the CLI and Python use too.
 * Messages name the caller's fields as it calls them (resize_name, ...). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/image_input.h"
#include "api/model.h"
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

static const char *named(const char *name, const char *word)
{
    return name ? name : word;
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
        return lrp_error_set(err, LRP_ERR_ARG,
                             "%s has %d values and the model input %d "
                             "channel%s: give %d%s",
                             what, n, channels, channels == 1 ? "" : "s", channels,
                             channels == 1 ? "" : " (or 1 for every channel)");
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

/* mean[4], std[4] of a 'channels'-channel input: the defaults of that
 * count, the metadata, the caller's. *known is false (mean, std unset)
 * when nothing gives them. */
static lrp_status resolve_norm(const lrp_model *m, const lrp_preprocessing *u, int64_t channels,
                               float *mean, float *std, bool *known, lrp_error *err)
{
    bool given_mean = false, given_std = false;
    const char *mean_name = named(u->mean_name, "mean"), *std_name = named(u->std_name, "std");
    *known = false;
    if (u->n_mean < 0 || u->n_mean > 4 || u->n_std < 0 || u->n_std > 4)
        return lrp_error_set(err, LRP_ERR_ARG, "n_mean %d, n_std %d: give 0 to 4 values",
                             u->n_mean, u->n_std);
    if (channels < 1 || channels > 4) { /* the most the mean and the metadata take */
        bool given = u->n_mean || u->n_std || lrp_model_metadata(m, "onnx_lrp.mean") ||
                     lrp_model_metadata(m, "onnx_lrp.std");
        return given ? lrp_error_set(err, LRP_ERR_ARG,
                                     "a mean and std for %lld input channels: "
                                     "at most 4 are supported",
                                     (long long)channels)
                     : LRP_OK;
    }
    *known = lrp_norm_defaults((int)channels, mean, std);
    int n = (int)channels;
    lrp_status st = norm_from_metadata(m, "onnx_lrp.mean", n, mean, &given_mean, err);
    if (!st)
        st = norm_from_metadata(m, "onnx_lrp.std", n, std, &given_std, err);
    if (!st && u->n_mean)
        st = spread(u->mean, u->n_mean, n, mean_name, mean, err);
    if (!st && u->n_std)
        st = spread(u->std, u->n_std, n, std_name, std, err);
    if (st)
        return st;
    given_mean = given_mean || u->n_mean;
    given_std = given_std || u->n_std;
    if (!*known && given_mean != given_std)
        return lrp_error_set(err, LRP_ERR_ARG,
                             "a %d-channel input has no default mean and "
                             "std: give both (%s, %s)",
                             n, mean_name, std_name);
    *known = *known || given_mean;
    for (int c = 0; *known && c < n; c++)
        if (!(std[c] > 0))
            return lrp_error_set(err, LRP_ERR_ARG, "%s: the std must be > 0 (channel %d: %g)",
                                 u->n_std ? std_name : "metadata onnx_lrp.std", c,
                                 (double)std[c]);
    return LRP_OK;
}

/* metadata onnx_lrp.resize ("N", 0: none) and .crop ("N" or "HxW"),
 * written by tools/export_resnet.py (.mean and .std: resolve_norm). */
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

static bool image_channels(int64_t c)
{
    return c == 1 || c == 3;
}

/* The input layout: (N, C, H, W), or (N, H, W, C) when dim 1 cannot be
 * the channels and dim 3 can (an NHWC front); images become 1 (gray) or 3
 * (RGB) planes. A fixed batch N > 1 is filled with copies of each image. */
static lrp_status input_layout(const lrp_model_info *info, lrp_preprocessing *out,
                               lrp_error *err)
{
    const int64_t *d = info->input_dims;
    if (info->input_rank != 4 || (!image_channels(d[1]) && !image_channels(d[3])))
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                             "the model input is neither (N, 1 or 3, "
                             "H, W) nor (N, H, W, 1 or 3): images cannot feed it");
    if (d[0] > 65536)
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                             "the model input has a fixed batch of "
                             "%lld: images fill at most 65536",
                             (long long)d[0]);
    out->channels_last = !image_channels(d[1]);
    out->channels = (int)d[out->channels_last ? 3 : 1];
    out->batch = d[0] > 1 ? (int)d[0] : 1;
    return LRP_OK;
}

/* A static input size comes from the model: a fixed (H, W) is the crop.
 * A crop without a resize keeps ImageNet's 256/224 ratio (224 -> 256): of
 * the shorter side for a square crop, of each side for another (Resize((h,
 * w)), so that the crop fits every image); a resize below the crop is
 * refused, naming the caller's resize or the metadata. */
static lrp_status fit_input_size(lrp_preprocess *p, const lrp_model_info *info,
                                 const lrp_preprocessing *u, bool crop_given, bool resize_given,
                                 lrp_error *err)
{
    int64_t h = info->input_dims[u->channels_last ? 1 : 2];
    int64_t w = info->input_dims[u->channels_last ? 2 : 3];
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
        return lrp_error_set(
            err, LRP_ERR_ARG,
            "%s %d is smaller than the %dx%d crop: the shorter side is resized "
            "to it, so it must be at least %d (or 0: no resize)",
            u->resize >= 0 ? named(u->resize_name, "resize") : "metadata onnx_lrp.resize",
            p->resize, p->crop_h, p->crop_w, shorter);
    return LRP_OK;
}

void lrp_preprocessing_init(lrp_preprocessing *p)
{
    memset(p, 0, sizeof *p);
    p->resize = -1;
}

/* Every field of p from the model and u; u's layout fields get set. */
static lrp_status resolve(const lrp_model *m, lrp_preprocessing *u, lrp_preprocess *p,
                          lrp_error *err)
{
    lrp_model_info info;
    bool known, crop_given = false;
    bool resize_given = u->resize >= 0 || lrp_model_metadata(m, "onnx_lrp.resize");
    lrp_status st = lrp_model_get_info(m, &info, err);
    if (st || (st = input_layout(&info, u, err)))
        return st;
    if (u->resize > 65536 || u->crop_h < 0 || u->crop_w < 0 || u->crop_h > 65536 ||
        u->crop_w > 65536)
        return lrp_error_set(err, LRP_ERR_ARG, "%s %d, %s %dx%d: sides are 0 to 65536",
                             named(u->resize_name, "resize"), u->resize,
                             named(u->crop_name, "crop"), u->crop_h, u->crop_w);
    lrp_preprocess_defaults(p);
    p->channels = u->channels;
    if ((st = size_from_metadata(m, p, &crop_given, err)) ||
        (st = resolve_norm(m, u, p->channels, p->mean, p->std, &known, err)))
        return st;
    if (u->resize >= 0)
        p->resize = u->resize;
    if (u->crop_h > 0) {
        p->crop_h = u->crop_h;
        p->crop_w = u->crop_w > 0 ? u->crop_w : u->crop_h;
        crop_given = true;
    }
    return fit_input_size(p, &info, u, crop_given, resize_given, err);
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
    user->resize_h = p.resize_h;
    user->resize_w = p.resize_w;
    user->crop_h = p.crop_h;
    user->crop_w = p.crop_w;
    user->n_mean = user->n_std = p.channels;
    memcpy(user->mean, p.mean, sizeof user->mean);
    memcpy(user->std, p.std, sizeof user->std);
    return LRP_OK;
}

lrp_status lrp_normalization_for_model(const lrp_model *m, const lrp_array *x,
                                       lrp_preprocessing *p, lrp_error *err)
{
    lrp_model_info info;
    float mean[4] = {0}, std[4] = {0};
    bool known = false;
    lrp_status st = lrp_model_get_info(m, &info, err);
    int64_t channels = x && x->rank >= 2 ? x->dims[1] : 0;
    if (!st && info.input_rank >= 2 && info.input_dims[1] > 0)
        channels = info.input_dims[1];
    if (!st)
        st = resolve_norm(m, p, channels, mean, std, &known, err);
    if (st) {
        lrp_error_prefix(err, "%s", m->path);
        return st;
    }
    p->channels = known ? (int)channels : 0;
    p->n_mean = p->n_std = p->channels;
    if (known) {
        memcpy(p->mean, mean, sizeof p->mean);
        memcpy(p->std, std, sizeof p->std);
    }
    return LRP_OK;
}
