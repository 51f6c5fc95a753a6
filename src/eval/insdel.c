/* Insertion / Deletion (method §7): thresholds from the sorted map, the
 * perturbed inputs of the distinct thresholds built a batch at a time, the
 * trapezoid AUC. */
#include "eval/insdel.h"

#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

/* A pixel's map value and index: sorted by value descending, then index. */
typedef struct ranked_pixel {
    float value;
    int index;
} ranked_pixel;

static int compare_ranked(const void *pa, const void *pb)
{
    const ranked_pixel *a = pa, *b = pb;
    if (a->value != b->value)
        return a->value > b->value ? -1 : 1;
    return (a->index > b->index) - (a->index < b->index);
}

/* The geometry and buffers of one run. */
typedef struct insdel_job {
    int c, n_points, step;
    int n_distinct;      /* distinct thresholds: each is one input per curve */
    size_t hw, chw;
    const float *map;    /* (H, W) */
    float *tau;          /* (n_distinct) the distinct thresholds, descending */
    int *distinct;       /* (n_points) point k's index into tau */
    float *norm;         /* (C, H, W) the normalized image */
    float black[LRP_MAX_CHANNELS]; /* (C) a black pixel, normalized */
} insdel_job;

static lrp_status check_args(const float *image01, int c, int h, int w, const float *mean,
                             const float *std, const float *map, int label,
                             const lrp_insdel_config *cfg, lrp_prob_fn fn, lrp_error *err)
{
    if (!image01 || !mean || !std || !map || !fn)
        return lrp_error_set(err, LRP_ERR_ARG, "insdel: a required argument is NULL");
    if (c < 1 || c > LRP_MAX_CHANNELS || h < 1 || w < 1)
        return lrp_error_set(err, LRP_ERR_ARG, "insdel: bad image shape (%d, %d, %d)", c, h, w);
    if (label < 0)
        return lrp_error_set(err, LRP_ERR_ARG, "insdel: label %d is negative", label);
    if (cfg && (cfg->step < 0 || cfg->max_batch < 1))
        return lrp_error_set(err, LRP_ERR_ARG, "insdel: step %d must be >= 0 and max_batch %d >= 1",
                             cfg->step, cfg->max_batch);
    for (int k = 0; k < c; k++)
        if (!(std[k] != 0.0f) || !isfinite(std[k]) || !isfinite(mean[k]))
            return lrp_error_set(err, LRP_ERR_ARG, "insdel: channel %d has mean %g, std %g", k,
                                 (double)mean[k], (double)std[k]);
    if ((size_t)h > (size_t)(INT_MAX / 2) / (size_t)w) /* 2N points must fit an int */
        return lrp_error_set(err, LRP_ERR_LIMIT, "insdel: %d x %d pixels are too many", h, w);
    for (size_t p = 0; p < (size_t)h * (size_t)w; p++)
        if (!isfinite(map[p]))
            return lrp_error_set(err, LRP_ERR_ARG, "insdel: map value %g at pixel %zu",
                                 (double)map[p], p);
    return LRP_OK;
}

/* tau_k = the map value at rank min(step (k+1), N-1) of the sorted pixels.
 * Ranks grow with k, so tau_k never increases and equal thresholds are
 * neighbours: they give the same input (a heat-quantized map has at most
 * its 8 levels), which is built and run once. */
static lrp_status compute_thresholds(insdel_job *job, lrp_error *err)
{
    size_t n = job->hw;
    ranked_pixel *order = malloc(n * sizeof *order);
    job->tau = malloc((size_t)job->n_points * sizeof *job->tau);
    job->distinct = malloc((size_t)job->n_points * sizeof *job->distinct);
    if (!order || !job->tau || !job->distinct) {
        free(order);
        return lrp_error_set(err, LRP_ERR_NOMEM, "insdel: sorting %zu pixels", n);
    }
    for (size_t p = 0; p < n; p++)
        order[p] = (ranked_pixel){job->map[p], (int)p};
    qsort(order, n, sizeof *order, compare_ranked);
    job->n_distinct = 0;
    for (int k = 0; k < job->n_points; k++) {
        size_t rank = (size_t)job->step * ((size_t)k + 1);
        float tau = order[rank < n - 1 ? rank : n - 1].value;
        if (job->n_distinct == 0 || tau != job->tau[job->n_distinct - 1])
            job->tau[job->n_distinct++] = tau;
        job->distinct[k] = job->n_distinct - 1;
    }
    free(order);
    return LRP_OK;
}

/* norm = (image01 - mean) / std per channel, in float as the preprocessor does. */
static lrp_status normalize_image(insdel_job *job, const float *image01, const float *mean,
                                  const float *std, lrp_error *err)
{
    job->norm = malloc(job->chw * sizeof *job->norm);
    if (!job->norm)
        return lrp_error_set(err, LRP_ERR_NOMEM, "insdel: image of %zu floats", job->chw);
    for (int k = 0; k < job->c; k++) {
        job->black[k] = (0.0f - mean[k]) / std[k];
        for (size_t p = 0; p < job->hw; p++)
            job->norm[k * job->hw + p] = (image01[k * job->hw + p] - mean[k]) / std[k];
    }
    return LRP_OK;
}

/* dst (C, H, W): for threshold tau[d], the input of Insertion (the pixels
 * with map >= tau[d] kept) or of Deletion (exactly those pixels black). */
static void build_input(const insdel_job *job, int d, bool deletion, float *dst)
{
    float tau = job->tau[d];
    for (size_t p = 0; p < job->hw; p++) {
        bool keep = (job->map[p] >= tau) != deletion;
        for (int ch = 0; ch < job->c; ch++) {
            size_t i = (size_t)ch * job->hw + p;
            dst[i] = keep ? job->norm[i] : job->black[ch];
        }
    }
}

/* Items 0..d-1 are the Insertion inputs of the d distinct thresholds,
 * d..2d-1 the Deletion ones; they are run max_batch at a time so a batch
 * is full even when d is small. prob (2d) gets their probabilities. */
static lrp_status run_batches(const insdel_job *job, int max_batch, int label, lrp_prob_fn fn,
                              void *ctx, float *prob, lrp_error *err)
{
    int total = 2 * job->n_distinct, mb = max_batch < total ? max_batch : total;
    size_t count;
    if (!lrp_mul_size((size_t)mb, job->chw, &count) || count > SIZE_MAX / sizeof(float))
        return lrp_error_set(err, LRP_ERR_LIMIT, "insdel: a batch of %d inputs is too big", mb);
    float *batch = malloc(count * sizeof *batch);
    lrp_status st = LRP_OK;
    if (!batch)
        st = lrp_error_set(err, LRP_ERR_NOMEM, "insdel: a batch of %d inputs", mb);
    for (int start = 0; st == LRP_OK && start < total; start += mb) {
        int b = total - start < mb ? total - start : mb;
        for (int i = 0; i < b; i++) {
            int item = start + i;
            build_input(job, item % job->n_distinct, item >= job->n_distinct,
                        batch + (size_t)i * job->chw);
        }
        st = fn(ctx, batch, b, label, prob + start, err);
    }
    free(batch);
    return st;
}

/* The curves from the distinct inputs' probabilities (2d). */
static lrp_status run_curves(const insdel_job *job, int max_batch, int label, lrp_prob_fn fn,
                             void *ctx, lrp_insdel_result *res, lrp_error *err)
{
    float *prob = malloc(2 * (size_t)job->n_distinct * sizeof *prob);
    if (!prob)
        return lrp_error_set(err, LRP_ERR_NOMEM, "insdel: %d probabilities",
                             2 * job->n_distinct);
    lrp_status st = run_batches(job, max_batch, label, fn, ctx, prob, err);
    for (int k = 0; st == LRP_OK && k < job->n_points; k++) {
        res->ins[k] = prob[job->distinct[k]];
        res->del[k] = prob[job->n_distinct + job->distinct[k]];
    }
    res->forwards = st == LRP_OK ? 2 * job->n_distinct : 0;
    free(prob);
    return st;
}

double lrp_insdel_auc(const double *y, int n)
{
    if (n < 1)
        return 0.0;
    if (n == 1)
        return y[0];
    double sum = 0.0;
    for (int k = 0; k < n; k++)
        sum += y[k];
    return (sum - y[0] / 2 - y[n - 1] / 2) / (n - 1);
}

lrp_status lrp_insdel_run(const float *image01, int c, int h, int w, const float *mean,
                          const float *std, const float *map, int label,
                          const lrp_insdel_config *cfg, lrp_prob_fn fn, void *ctx,
                          lrp_insdel_result *res, lrp_error *err)
{
    if (!res)
        return lrp_error_set(err, LRP_ERR_ARG, "insdel: result is NULL");
    memset(res, 0, sizeof *res);
    lrp_status st = check_args(image01, c, h, w, mean, std, map, label, cfg, fn, err);
    if (st != LRP_OK)
        return st;
    insdel_job job = {.c = c, .hw = (size_t)h * (size_t)w, .map = map};
    job.chw = (size_t)c * job.hw;
    job.step = cfg && cfg->step > 0 ? cfg->step : (int)((job.hw + 99) / 100);
    job.n_points = (int)((job.hw + (size_t)job.step - 1) / (size_t)job.step);
    res->n = job.n_points;
    res->ins = calloc((size_t)job.n_points, sizeof *res->ins);
    res->del = calloc((size_t)job.n_points, sizeof *res->del);
    if (!res->ins || !res->del)
        st = lrp_error_set(err, LRP_ERR_NOMEM, "insdel: curves of %d points", job.n_points);
    if (st == LRP_OK)
        st = compute_thresholds(&job, err);
    if (st == LRP_OK)
        st = normalize_image(&job, image01, mean, std, err);
    if (st == LRP_OK)
        st = run_curves(&job, cfg ? cfg->max_batch : LRP_INSDEL_DEFAULT_BATCH, label, fn, ctx,
                        res, err);
    free(job.tau);
    free(job.distinct);
    free(job.norm);
    if (st != LRP_OK) {
        lrp_insdel_result_free(res);
        return st;
    }
    res->ins_auc = lrp_insdel_auc(res->ins, res->n);
    res->del_auc = lrp_insdel_auc(res->del, res->n);
    return LRP_OK;
}

void lrp_insdel_result_free(lrp_insdel_result *res)
{
    if (!res)
        return;
    free(res->ins);
    free(res->del);
    memset(res, 0, sizeof *res);
}

void lrp_insdel_patch_max(float *map, int h, int w, int p)
{
    for (int by = 0; by + p <= h; by += p)
        for (int bx = 0; bx + p <= w; bx += p) {
            float m = map[(size_t)by * w + bx];
            for (int y = by; y < by + p; y++)
                for (int x = bx; x < bx + p; x++)
                    m = map[(size_t)y * w + x] > m ? map[(size_t)y * w + x] : m;
            for (int y = by; y < by + p; y++)
                for (int x = bx; x < bx + p; x++)
                    map[(size_t)y * w + x] = m;
        }
}
