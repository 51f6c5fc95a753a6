/* onnx-lrp explain on image files: preprocessing from the model's metadata
 * and the options, one worker per thread (each with its own fork of the
 * explainer), heatmaps and overlays per image, report.json at the end. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/explain.h"
#include "cli/explain_merge.h"
#include "cli/explain_record.h"
#include "cli/image_job.h"
#include "cli/inputs.h"
#include "cli/run_status.h"
#include "io/atomic_file.h"
#include "io/json_file.h"
#include "util/clock.h"
#include "util/error.h"

typedef struct run {
    const explain_opts *o;
    const image_setup *setup;
    const cli_inputs *in;
    image_result *results;
    pthread_mutex_t lock;
    int next, done, printed, total;
    double t0;
    bool progress;
    char *record_options; /* explain_record_options: what a record must match */
    run_status status;    /* out_dir/status, rewritten after every image */
    int computed;         /* images explained here, not taken from records */
    lrp_error status_err; /* the first failure to write the status file */
} run;

/* Prints the results that are ready, in input order (stdout stays the same
 * whatever the thread count), and the progress line. Under the lock. */
static void print_ready(run *r)
{
    while (r->printed < r->total && r->results[r->printed].finished) {
        const image_result *res = &r->results[r->printed++];
        if (res->error)
            fprintf(stderr, "%sonnx-lrp: %s\n", r->progress ? "\r\033[K" : "", res->error);
        else
            fputs(r->o->json ? res->json_lines : res->line, stdout);
    }
    fflush(stdout);
    if (!r->progress)
        return;
    double s = (lrp_now_ms() - r->t0) / 1e3, rate = r->done / (s > 0 ? s : 1e-9);
    fprintf(stderr, "\r\033[K%d/%d images, %.1f images/s, ETA %.0f s", r->done, r->total, rate,
            (r->total - r->done) / (rate > 0 ? rate : 1e-9));
    if (r->done == r->total)
        fputc('\n', stderr);
}

typedef struct worker {
    run *r;
    lrp_explainer *e;
    pthread_t thread;
} worker;

/* The image's record in out_dir when one was made under these options and
 * the image did not fail there (failures are tried again); not with --force. */
static bool take_record(const run *r, const cli_input *it, image_result *res)
{
    char why[512], *written_in = NULL;
    if (!r->o->out_dir || r->o->force ||
        explain_record_read(r->o->out_dir, it, r->record_options, res, &written_in, why,
                            sizeof why) != EVAL_RECORD_OK)
        return false;
    free(written_in);
    if (!res->error)
        return true;
    image_result_clear(res);
    return false;
}

/* Its record, after its pictures are in place: from now on the image is done. */
static void keep_record(const run *r, const cli_input *it, image_result *res)
{
    lrp_error err = {0};
    if (r->o->out_dir &&
        explain_record_write(r->o->out_dir, it, r->record_options, res, &err) && !res->error)
        res->error = strdup(err.message);
}

/* One image done: its status line and the status file. Under the lock. */
static void count_done(run *r, const cli_input *it, const image_result *res, bool computed)
{
    r->computed += computed;
    r->done++;
    lrp_error err = {0};
    if (run_status_step(&r->status, res->error ? it->path : NULL, r->computed,
                        (lrp_now_ms() - r->t0) / 1e3, &err) ||
        (r->o->out_dir && run_status_write(r->o->out_dir, &r->status, &err)))
        if (!r->status_err.status)
            r->status_err = err;
}

static void *work(void *arg)
{
    worker *w = arg;
    run *r = w->r;
    for (;;) {
        pthread_mutex_lock(&r->lock);
        int i = r->next++;
        pthread_mutex_unlock(&r->lock);
        if (i >= r->total)
            break;
        const cli_input *it = &r->in->items[i];
        image_result *res = &r->results[i];
        bool computed = !take_record(r, it, res);
        if (computed) {
            image_job_run(r->setup, w->e, it, res);
            keep_record(r, it, res);
        }
        pthread_mutex_lock(&r->lock);
        res->finished = true;
        count_done(r, it, res, computed);
        print_ready(r);
        pthread_mutex_unlock(&r->lock);
    }
    return NULL;
}

/* merge: every image's record from its shard, checked before any file is
 * linked, so a missing image leaves OUT as it was. */
static lrp_status merge_all(run *r, lrp_error *err)
{
    char **written_in = calloc((size_t)r->total + 1, sizeof *written_in);
    if (!written_in)
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
    int missing = 0;
    lrp_status st = LRP_OK;
    for (int i = 0; st == LRP_OK && i < r->total; i++) {
        lrp_error e = {0};
        bool stale = false;
        if (!explain_merge_read(r->o->merge, &r->in->items[i], r->record_options,
                                &r->results[i], &written_in[i], &stale, &e))
            continue;
        if (stale)
            st = lrp_error_set(err, e.status, "%s", e.message);
        else
            fprintf(stderr, "onnx-lrp: %s\n", e.message);
        missing++;
    }
    if (st == LRP_OK && missing)
        st = lrp_error_set(err, LRP_ERR_ARG,
                           "%d images missing from the shards: nothing "
                           "written",
                           missing);
    for (int i = 0; st == LRP_OK && i < r->total; i++) {
        st = explain_merge_outputs(r->o->merge, &r->in->items[i], r->o->out_dir, written_in[i],
                                   &r->results[i], err);
        r->results[i].finished = true;
    }
    for (int i = 0; i < r->total; i++)
        free(written_in[i]);
    free(written_in);
    r->done = r->total;
    if (st == LRP_OK)
        print_ready(r);
    return st;
}

/* e made ready (oneDNN's weights packed, on n threads) for one image of
 * the model's input shape when its C, H and W are fixed, before the forks
 * share what it packed; otherwise the first images pack on the way. */
static lrp_status warm_up(lrp_model *m, lrp_explainer *e, int n, lrp_error *err)
{
    int64_t dims[4];
    if (!cli_one_input_dims(m, dims))
        return LRP_OK;
    lrp_status st = lrp_explainer_set_threads(e, n, err);
    if (!st)
        st = lrp_explainer_warm_up(e, 4, dims, err);
    lrp_status back = lrp_explainer_set_threads(e, 1, err);
    return st ? st : back;
}

/* Runs every image on n workers: worker 0 uses e, the others forks. */
static lrp_status run_workers(run *r, lrp_explainer *e, int n, lrp_error *err)
{
    worker *ws = calloc((size_t)n, sizeof *ws);
    if (!ws)
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
    /* Parallel over images, one worker per core: that fills the machine
       without any split inside an image, and each explainer keeps its
       default of one thread. */
    lrp_status st = LRP_OK;
    /* every fork before the first thread: worker 0 uses e, which forking reads */
    int made = 1, started = 0;
    ws[0] = (worker){.r = r, .e = e};
    for (; made < n; made++) {
        ws[made].r = r;
        if ((st = lrp_explainer_fork(e, &ws[made].e, err)))
            break;
    }
    for (; started < made; started++)
        if (pthread_create(&ws[started].thread, NULL, work, &ws[started]) != 0) {
            st = lrp_error_set(err, LRP_ERR_NOMEM, "cannot start thread %d", started + 1);
            break;
        }
    for (int k = 0; k < started; k++)
        pthread_join(ws[k].thread, NULL);
    for (int k = 1; k < made; k++)
        lrp_explainer_free(ws[k].e);
    free(ws);
    return started > 0 ? LRP_OK : st; /* the threads that started did all the work */
}

/* mkdir -p: dir and its missing parents. */
static lrp_status make_dirs(const char *dir, lrp_error *err)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
        return lrp_error_set(err, LRP_ERR_IO,
                             "%.200s...: the output directory's name is too "
                             "long",
                             dir);
    for (char *p = path + 1;; p++) {
        if (*p && *p != '/')
            continue;
        char end = *p;
        *p = '\0';
        struct stat sb;
        bool made = mkdir(path, 0777) == 0;
        if (!made && errno == EEXIST && (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)))
            errno = ENOTDIR; /* a file of that name */
        if (!made && errno != EEXIST)
            return lrp_error_set(err, LRP_ERR_IO,
                                 "%s: cannot create the output directory "
                                 "%s: %s",
                                 dir, path, strerror(errno));
        if (!(*p = end))
            return LRP_OK;
    }
}

lrp_status cli_check_out_dir(const char *dir, lrp_error *err)
{
    lrp_status st = make_dirs(dir, err);
    if (st)
        return st;
    char probe[4096];
    snprintf(probe, sizeof probe, "%s/.onnx-lrp-probe", dir);
    lrp_atomic_file af;
    st = lrp_atomic_open(probe, &af, err);
    if (st == LRP_OK)
        lrp_atomic_abort(&af);
    else
        lrp_error_set(err, LRP_ERR_IO, "%s: cannot write to the output directory: %s", dir,
                      strerror(errno));
    return st;
}

static void write_report_header(lrp_json *j, const run *r, const lrp_explainer *e)
{
    const lrp_preprocess *p = &r->setup->pre;
    lrp_json_key(j, "model");
    lrp_json_string(j, r->o->model);
    lrp_json_key(j, "preset");
    lrp_json_string(j, lrp_explainer_preset(e));
    lrp_json_key(j, "split");
    lrp_json_string(j, lrp_split_name(lrp_explainer_split(e)));
    lrp_json_key(j, "preprocess");
    lrp_json_begin_object(j);
    lrp_json_key(j, "resize"); /* the shorter side, or [h, w] */
    if (p->resize_h > 0) {
        lrp_json_begin_array(j);
        lrp_json_int(j, p->resize_h);
        lrp_json_int(j, p->resize_w);
        lrp_json_end_array(j);
    } else {
        lrp_json_int(j, p->resize);
    }
    lrp_json_key(j, "crop");
    lrp_json_begin_array(j);
    lrp_json_int(j, p->crop_h);
    lrp_json_int(j, p->crop_w);
    lrp_json_end_array(j);
    lrp_json_key(j, "mean");
    lrp_json_begin_array(j);
    for (int c = 0; c < p->channels; c++)
        lrp_json_float(j, p->mean[c]);
    lrp_json_end_array(j);
    lrp_json_key(j, "std");
    lrp_json_begin_array(j);
    for (int c = 0; c < p->channels; c++)
        lrp_json_float(j, p->std[c]);
    lrp_json_end_array(j);
    lrp_json_end_object(j);
}

/* The lrp_conversion flags of every image explained. */
static unsigned run_conversions(const run *r)
{
    unsigned all = 0;
    for (int i = 0; i < r->total; i++)
        all |= r->results[i].error ? 0u : r->results[i].conversions;
    return all;
}

/* What was done to the images' channels that changes what they show (luma,
 * alpha dropped), once per run on stderr; report.json lists them all. A
 * gray image replicated into RGB loses nothing and is not said there. */
static void print_conversions(const run *r)
{
    unsigned all = run_conversions(r) & ~(unsigned)LRP_CONVERT_REPLICATE;
    for (int k = 0; k < LRP_CONVERSIONS; k++)
        if (all & (1u << k))
            fprintf(stderr, "onnx-lrp: note: %s\n", lrp_conversion_text(1u << k));
}

static void write_conversions(lrp_json *j, const run *r)
{
    unsigned all = run_conversions(r);
    lrp_json_key(j, "conversions");
    lrp_json_begin_array(j);
    for (int k = 0; k < LRP_CONVERSIONS; k++)
        if (all & (1u << k))
            lrp_json_string(j, lrp_conversion_text(1u << k));
    lrp_json_end_array(j);
}

/* report.json: the setup, every explanation, every failure. */
static lrp_status write_report(const run *r, const lrp_explainer *e, lrp_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/report.json", r->o->out_dir);
    lrp_json_file jf;
    lrp_status st = lrp_json_file_open(&jf, path, err);
    if (st)
        return st;
    lrp_json *j = &jf.j;
    lrp_json_begin_object(j);
    write_report_header(j, r, e);
    write_conversions(j, r);
    lrp_json_key(j, "images");
    lrp_json_begin_array(j);
    for (int i = 0; i < r->total; i++)
        for (int k = 0; k < r->results[i].n_objects; k++)
            lrp_json_raw(j, r->results[i].objects[k]);
    lrp_json_end_array(j);
    lrp_json_key(j, "failures");
    lrp_json_begin_array(j);
    for (int i = 0; i < r->total; i++) {
        if (!r->results[i].error)
            continue;
        lrp_json_begin_object(j);
        lrp_json_key(j, "file");
        lrp_json_string(j, r->in->items[i].path);
        lrp_json_key(j, "error");
        lrp_json_string(j, r->results[i].error);
        lrp_json_end_object(j);
    }
    lrp_json_end_array(j);
    lrp_json_end_object(j);
    return lrp_json_file_commit(&jf, path, err);
}

/* Exit code: 1 when an image failed, else 3 when one did not conserve. */
static int outcome(const run *r)
{
    int status = CLI_OK;
    for (int i = 0; i < r->total; i++) {
        if (r->results[i].error)
            return CLI_FAILED;
        if (r->results[i].not_conserved)
            status = CLI_NOT_CONSERVED;
    }
    return status;
}

/* The record options and the status of the run, checked against the
 * shards' in merge, written to out_dir otherwise. */
static lrp_status start_status(run *r, lrp_error *err)
{
    const explain_opts *o = r->o;
    run_status *st = &r->status;
    *st = (run_status){.command = "explain",
                       .shard_k = o->shard.k,
                       .shard_n = o->shard.n ? o->shard.n : 1,
                       .total = r->total,
                       .options = r->record_options,
                       .args = o->argv + 1,
                       .n_args = o->argc - 1};
    snprintf(st->version, sizeof st->version, "%s", LRP_VERSION);
    lrp_status s = cli_file_hash(o->model, st->model_hash, err);
    char records[3072]; /* cli_check_out_dir adds a file name to it */
    snprintf(records, sizeof records, "%s/records", o->out_dir ? o->out_dir : "");
    if (s == LRP_OK && o->merge)
        return eval_merge_check(o->merge, st, r->in, err);
    if (s == LRP_OK && o->out_dir && (s = cli_check_out_dir(records, err)) == LRP_OK)
        s = run_status_write(o->out_dir, st, err);
    return s;
}

static void free_status(run *r)
{
    for (int i = 0; i < r->status.n_failed_files; i++)
        free(r->status.failed_files[i]);
    free(r->status.failed_files);
    free(r->record_options);
}

static int explain_all(const explain_opts *o, lrp_model *m, const image_setup *setup,
                       const cli_inputs *in)
{
    lrp_error err = {0};
    lrp_explainer *e = NULL;
    lrp_config config = o->config;
    const lrp_preprocess *p = &setup->pre;
    if (lrp_config_set_normalization(&config, p->channels, p->mean, p->std, &err) ||
        lrp_explainer_new(m, &config, &e, &err))
        return cli_fail(&err);
    lrp_explainer_set_method_params(e, &o->methods);
    cli_print_notes(e);
    run r = {.o = o,
             .setup = setup,
             .in = in,
             .total = in->count,
             .t0 = lrp_now_ms(),
             .progress = isatty(STDERR_FILENO)};
    r.results = calloc((size_t)in->count + 1, sizeof *r.results);
    pthread_mutex_init(&r.lock, NULL);
    int threads = o->threads ? o->threads : cli_cores();
    threads = threads < in->count ? threads : in->count;
    int status = CLI_OK;
    if (!r.results ||
        (o->out_dir &&
         (explain_record_options(o, &r.record_options, &err) || start_status(&r, &err))) ||
        (o->merge ? merge_all(&r, &err)
                  : warm_up(m, e, threads, &err) || run_workers(&r, e, threads, &err))) {
        status = cli_fail(&err);
    } else if (r.status_err.status) {
        status = cli_fail(&r.status_err);
    } else {
        print_conversions(&r);
        status = o->out_dir && write_report(&r, e, &err) ? cli_fail(&err) : outcome(&r);
    }
    for (int i = 0; r.results && i < in->count; i++)
        image_result_clear(&r.results[i]);
    free(r.results);
    free_status(&r);
    pthread_mutex_destroy(&r.lock);
    lrp_explainer_free(e);
    return status;
}

int cli_explain_images(const explain_opts *o, lrp_model *m)
{
    lrp_error err = {0};
    int status;
    image_setup setup;
    cli_inputs in = {0};
    if (image_setup_init(&setup, o, m, &err) ||
        cli_inputs_expand(o->inputs, o->n_inputs, &in, &err) ||
        (o->out_dir && cli_check_out_dir(o->out_dir, &err))) {
        image_setup_free(&setup);
        cli_inputs_free(&in);
        return cli_fail(&err);
    }
    if (in.count && o->shard.n && !o->merge)
        cli_inputs_shard(&in, o->shard.k, o->shard.n);
    status = in.count     ? explain_all(o, m, &setup, &in)
             : o->shard.n ? CLI_OK /* more shards than images: this one has none */
                          : cli_usage_error("explain", "no image among the inputs");
    image_setup_free(&setup);
    cli_inputs_free(&in);
    return status;
}
