/* Insertion / Deletion (method §7): thresholds from each sorted map, the
 * perturbed inputs of the distinct thresholds of all maps built a batch at
 * a time, the trapezoid AUC. */
#include "eval/insdel.h"

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
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

/* One map's thresholds: its inputs are items first .. first + 2 n_distinct
 * - 1 of the run, the Insertion ones, then the Deletion ones. */
typedef struct insdel_curves {
    const float *map; /* (H, W) */
    int n_distinct;   /* distinct thresholds: each is one input per curve */
    float *tau;       /* (n_distinct) the distinct thresholds, descending */
    int *distinct;    /* (n_points) point k's index into tau */
    int first;
} insdel_curves;

/* The geometry and buffers of one run. */
typedef struct insdel_job {
    int c, n_points, step;
    size_t hw, chw;
    int n_maps, n_items;
    insdel_curves *curves;         /* (n_maps) */
    float *norm;                   /* (C, H, W) the normalized image */
    float black[LRP_MAX_CHANNELS]; /* (C) a black pixel, normalized */
} insdel_job;

static lrp_status check_args(const float *image01, int c, int h, int w, const float *mean,
                             const float *std, int label, const lrp_insdel_config *cfg,
                             lrp_prob_fn fn, lrp_error *err)
{
    if (!image01 || !mean || !std || !fn)
        return lrp_error_set(err, LRP_ERR_ARG, "insdel: a required argument is NULL");
    if (c < 1 || c > LRP_MAX_CHANNELS || h < 1 || w < 1)
        return lrp_error_set(err, LRP_ERR_ARG, "insdel: bad image shape (%d, %d, %d)", c, h, w);
    if (label < 0)
        return lrp_error_set(err, LRP_ERR_ARG, "insdel: label %d is negative", label);
    if (cfg && (cfg->step < 0 || cfg->max_batch < 1))
        return lrp_error_set(err, LRP_ERR_ARG,
                             "insdel: step %d must be >= 0 and max_batch %d >= 1", cfg->step,
                             cfg->max_batch);
    for (int k = 0; k < c; k++)
        if (!(std[k] != 0.0f) || !isfinite(std[k]) || !isfinite(mean[k]))
            return lrp_error_set(err, LRP_ERR_ARG, "insdel: channel %d has mean %g, std %g", k,
                                 (double)mean[k], (double)std[k]);
    if ((size_t)h > (size_t)(INT_MAX / 2) / (size_t)w) /* 2N points must fit an int */
        return lrp_error_set(err, LRP_ERR_LIMIT, "insdel: %d x %d pixels are too many", h, w);
    return LRP_OK;
}

static lrp_status check_map(const float *map, size_t n, int m, lrp_error *err)
{
    if (!map)
        return lrp_error_set(err, LRP_ERR_ARG, "insdel: map %d is NULL", m);
    for (size_t p = 0; p < n; p++)
        if (!isfinite(map[p]))
            return lrp_error_set(err, LRP_ERR_ARG, "insdel: map %d: value %g at pixel %zu", m,
                                 (double)map[p], p);
    return LRP_OK;
}

/* tau_k = the map value at rank min(step (k+1), N-1) of the sorted pixels.
 * Ranks grow with k, so tau_k never increases and equal thresholds are
 * neighbours: they give the same input (a heat-quantized map has at most
 * its 8 levels), which is built and run once. */
static lrp_status compute_thresholds(const insdel_job *job, insdel_curves *cv, lrp_error *err)
{
    size_t n = job->hw;
    ranked_pixel *order = malloc(n * sizeof *order);
    cv->tau = malloc((size_t)job->n_points * sizeof *cv->tau);
    cv->distinct = malloc((size_t)job->n_points * sizeof *cv->distinct);
    if (!order || !cv->tau || !cv->distinct) {
        free(order);
        return lrp_error_set(err, LRP_ERR_NOMEM, "insdel: sorting %zu pixels", n);
    }
    for (size_t p = 0; p < n; p++)
        order[p] = (ranked_pixel){cv->map[p], (int)p};
    qsort(order, n, sizeof *order, compare_ranked);
    cv->n_distinct = 0;
    for (int k = 0; k < job->n_points; k++) {
        size_t rank = (size_t)job->step * ((size_t)k + 1);
        float tau = order[rank < n - 1 ? rank : n - 1].value;
        if (cv->n_distinct == 0 || tau != cv->tau[cv->n_distinct - 1])
            cv->tau[cv->n_distinct++] = tau;
        cv->distinct[k] = cv->n_distinct - 1;
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

/* dst (C, H, W): for threshold tau[d] of cv, the input of Insertion (the
 * pixels with map >= tau[d] kept) or of Deletion (exactly those black). */
static void build_input(const insdel_job *job, const insdel_curves *cv, int d, bool deletion,
                        float *dst)
{
    float tau = cv->tau[d];
    for (size_t p = 0; p < job->hw; p++) {
        bool keep = (cv->map[p] >= tau) != deletion;
        for (int ch = 0; ch < job->c; ch++) {
            size_t i = (size_t)ch * job->hw + p;
            dst[i] = keep ? job->norm[i] : job->black[ch];
        }
    }
}

/* Item i of the run (map by map, see insdel_curves) into dst. */
static void build_item(const insdel_job *job, int i, float *dst)
{
    int m = 0;
    while (i >= job->curves[m].first + 2 * job->curves[m].n_distinct)
        m++;
    const insdel_curves *cv = &job->curves[m];
    int local = i - cv->first;
    build_input(job, cv, local % cv->n_distinct, local >= cv->n_distinct, dst);
}

/* The batches of one run, taken in order by the workers: batch i is items
 * i max_batch .. on whichever worker, so the results do not depend on
 * which one ran it. */
typedef struct batch_run {
    const insdel_job *job;
    int mb, n_batches, label;
    lrp_prob_fn fn;
    float *prob; /* (n_items) */
    atomic_int next;
    atomic_bool stop;
} batch_run;

typedef struct batch_worker {
    batch_run *run;
    void *ctx;
    float *batch; /* (mb, C, H, W) */
    int failed;   /* the batch that failed, or INT_MAX */
    lrp_status st;
    lrp_error err;
    pthread_t thread;
} batch_worker;

static void *batch_work(void *arg)
{
    batch_worker *w = arg;
    batch_run *r = w->run;
    const insdel_job *job = r->job;
    while (!atomic_load(&r->stop)) {
        int i = atomic_fetch_add(&r->next, 1);
        if (i >= r->n_batches)
            break;
        int start = i * r->mb, b = job->n_items - start < r->mb ? job->n_items - start : r->mb;
        for (int k = 0; k < b; k++)
            build_item(job, start + k, w->batch + (size_t)k * job->chw);
        w->st = r->fn(w->ctx, w->batch, b, r->label, r->prob + start, &w->err);
        if (w->st != LRP_OK) {
            w->failed = i;
            atomic_store(&r->stop, true);
        }
    }
    return NULL;
}

/* Every map's inputs, max_batch at a time in item order (only the last
 * batch is short), on n_workers threads, worker w calling fn with ctx[w];
 * the caller's thread is worker 0. On failure, the error of the first
 * batch that failed. prob (n_items) gets the probabilities. */
static lrp_status run_batches(const insdel_job *job, int max_batch, int n_workers, int label,
                              lrp_prob_fn fn, void *const *ctx, float *prob, lrp_error *err)
{
    int mb = max_batch < job->n_items ? max_batch : job->n_items;
    size_t count;
    if (!lrp_mul_size((size_t)mb, job->chw, &count) || count > SIZE_MAX / sizeof(float))
        return lrp_error_set(err, LRP_ERR_LIMIT, "insdel: a batch of %d inputs is too big", mb);
    batch_run run = {.job = job,
                     .mb = mb,
                     .n_batches = (job->n_items + mb - 1) / mb,
                     .label = label,
                     .fn = fn,
                     .prob = prob};
    n_workers = n_workers < run.n_batches ? n_workers : run.n_batches;
    batch_worker *ws = calloc((size_t)n_workers, sizeof *ws);
    int made = 0, started = 1;
    for (; ws && made < n_workers; made++) {
        ws[made] = (batch_worker){.run = &run, .ctx = ctx[made], .failed = INT_MAX};
        if (!(ws[made].batch = malloc(count * sizeof(float))))
            break;
    }
    if (!ws || made == 0) {
        free(ws);
        return lrp_error_set(err, LRP_ERR_NOMEM, "insdel: a batch of %d inputs", mb);
    }
    for (; started < made; started++) /* fewer threads if some cannot start */
        if (pthread_create(&ws[started].thread, NULL, batch_work, &ws[started]) != 0)
            break;
    batch_work(&ws[0]);
    int first = 0;
    for (int k = 0; k < made; k++) {
        if (k > 0 && k < started)
            pthread_join(ws[k].thread, NULL);
        first = ws[k].failed < ws[first].failed ? k : first;
    }
    lrp_status st = ws[first].failed < INT_MAX ? ws[first].st : LRP_OK;
    if (st != LRP_OK)
        *err = ws[first].err;
    for (int k = 0; k < made; k++)
        free(ws[k].batch);
    free(ws);
    return st;
}

/* Every map's curves from its inputs' probabilities. */
static lrp_status run_curves(const insdel_job *job, int max_batch, int label, lrp_prob_fn fn,
                             void *const *ctx, int n_ctx, lrp_insdel_result *res,
                             lrp_error *err)
{
    float *prob = malloc((size_t)job->n_items * sizeof *prob);
    if (!prob)
        return lrp_error_set(err, LRP_ERR_NOMEM, "insdel: %d probabilities", job->n_items);
    lrp_status st = run_batches(job, max_batch, n_ctx, label, fn, ctx, prob, err);
    for (int m = 0; st == LRP_OK && m < job->n_maps; m++) {
        const insdel_curves *cv = &job->curves[m];
        for (int k = 0; k < job->n_points; k++) {
            res[m].ins[k] = prob[cv->first + cv->distinct[k]];
            res[m].del[k] = prob[cv->first + cv->n_distinct + cv->distinct[k]];
        }
        res[m].forwards = 2 * cv->n_distinct;
    }
    free(prob);
    return st;
}

/* Thresholds of every map and the items they number. */
static lrp_status plan_items(insdel_job *job, lrp_error *err)
{
    lrp_status st = LRP_OK;
    job->n_items = 0;
    for (int m = 0; st == LRP_OK && m < job->n_maps; m++) {
        insdel_curves *cv = &job->curves[m];
        st = compute_thresholds(job, cv, err);
        cv->first = job->n_items;
        if (st == LRP_OK && cv->n_distinct > (INT_MAX - job->n_items) / 2)
            st = lrp_error_set(err, LRP_ERR_LIMIT, "insdel: too many inputs for %d maps",
                               job->n_maps);
        job->n_items += st == LRP_OK ? 2 * cv->n_distinct : 0;
    }
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

/* Zeroed results of n points each, or LRP_ERR_NOMEM (all freed). */
static lrp_status alloc_results(lrp_insdel_result *res, int n_maps, int n, lrp_error *err)
{
    bool ok = true;
    for (int m = 0; m < n_maps; m++) {
        res[m].n = n;
        res[m].ins = calloc((size_t)n, sizeof *res[m].ins);
        res[m].del = calloc((size_t)n, sizeof *res[m].del);
        ok = ok && res[m].ins && res[m].del;
    }
    for (int m = 0; !ok && m < n_maps; m++)
        lrp_insdel_result_free(&res[m]);
    return ok ? LRP_OK : lrp_error_set(err, LRP_ERR_NOMEM, "insdel: curves of %d points", n);
}

lrp_status lrp_insdel_run_maps(const float *image01, int c, int h, int w, const float *mean,
                               const float *std, const float *const *maps, int n_maps,
                               int label, const lrp_insdel_config *cfg, lrp_prob_fn fn,
                               void *const *ctx, int n_ctx, lrp_insdel_result *res,
                               lrp_error *err)
{
    if (!res || n_maps < 1 || !maps || !ctx || n_ctx < 1)
        return lrp_error_set(err, LRP_ERR_ARG, "insdel: no maps, contexts or results");
    memset(res, 0, (size_t)n_maps * sizeof *res);
    lrp_status st = check_args(image01, c, h, w, mean, std, label, cfg, fn, err);
    insdel_job job = {.c = c, .hw = (size_t)h * (size_t)w, .n_maps = n_maps};
    for (int m = 0; st == LRP_OK && m < n_maps; m++)
        st = check_map(maps[m], job.hw, m, err);
    if (st != LRP_OK)
        return st;
    job.chw = (size_t)c * job.hw;
    job.step = cfg && cfg->step > 0 ? cfg->step : (int)((job.hw + 99) / 100);
    job.n_points = (int)((job.hw + (size_t)job.step - 1) / (size_t)job.step);
    job.curves = calloc((size_t)n_maps, sizeof *job.curves);
    if (!job.curves)
        return lrp_error_set(err, LRP_ERR_NOMEM, "insdel: %d maps", n_maps);
    for (int m = 0; m < n_maps; m++)
        job.curves[m].map = maps[m];
    st = alloc_results(res, n_maps, job.n_points, err);
    if (st == LRP_OK)
        st = plan_items(&job, err);
    if (st == LRP_OK)
        st = normalize_image(&job, image01, mean, std, err);
    if (st == LRP_OK)
        st = run_curves(&job, cfg ? cfg->max_batch : LRP_INSDEL_DEFAULT_BATCH, label, fn, ctx,
                        n_ctx, res, err);
    for (int m = 0; m < n_maps; m++) {
        free(job.curves[m].tau);
        free(job.curves[m].distinct);
        if (st != LRP_OK)
            lrp_insdel_result_free(&res[m]);
        res[m].ins_auc = st == LRP_OK ? lrp_insdel_auc(res[m].ins, res[m].n) : 0.0;
        res[m].del_auc = st == LRP_OK ? lrp_insdel_auc(res[m].del, res[m].n) : 0.0;
    }
    free(job.curves);
    free(job.norm);
    return st;
}

lrp_status lrp_insdel_run(const float *image01, int c, int h, int w, const float *mean,
                          const float *std, const float *map, int label,
                          const lrp_insdel_config *cfg, lrp_prob_fn fn, void *ctx,
                          lrp_insdel_result *res, lrp_error *err)
{
    return lrp_insdel_run_maps(image01, c, h, w, mean, std, &map, 1, label, cfg, fn, &ctx, 1,
                               res, err);
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
