/* onnx-lrp forward: run a model on an (N,C,H,W) tensor, write the output,
 * print the top-5 classes of each image. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "io/json.h"
#include "util/clock.h"

static const char help[] =
    "usage: onnx-lrp forward MODEL.onnx --input-tensor X.npy [--output-tensor Y.npy] [--json]\n"
    "\n"
    "Runs the model on X, a float32 .npy of shape (N,C,H,W) that is already\n"
    "preprocessed, and prints the top-5 classes of each of the N images with\n"
    "their logit and softmax probability (a model ending in Softmax or\n"
    "LogSoftmax: the probability its output gives, and no logit).\n"
    "\n"
    "  --input-tensor X.npy    the input batch (required)\n"
    "  --output-tensor Y.npy   write the first graph output as float32 .npy\n"
    "  --json                  print one JSON object (load_ms, forward_ms,\n"
    "                          peak_rss_mib, output_shape, images[].top5);\n"
    "                          load_ms includes sizing the workspace and packing\n"
    "                          oneDNN's weights for X's shape\n"
    "  --repeat N              run N times (after an untimed one when N > 1);\n"
    "                          forward_ms is the median (benchmarks)\n"
    "  --threads N             threads (default: all cores; the output does not\n"
    "                          depend on N)\n";

typedef struct ranked {
    int cls;
    float logit;
    double prob;
} ranked;

/* The top k of one output row (its order is the logits' for every kind)
 * with their probabilities. */
static int top_k(const float *row, int classes, lrp_output_kind kind, int k, ranked *out)
{
    int n = 0;
    for (int c = 0; c < classes; c++) {
        int pos = n < k ? n++ : k;
        while (pos > 0 && row[c] > out[pos - 1].logit) {
            if (pos < k)
                out[pos] = out[pos - 1];
            pos--;
        }
        if (pos < k)
            out[pos] = (ranked){c, row[c], 0.0};
    }
    for (int r = 0; r < n; r++)
        out[r].prob = lrp_output_probability(kind, row, classes, out[r].cls);
    return n;
}

static void print_results(const lrp_array *y, lrp_output_kind kind, bool json, double load_ms,
                          double forward_ms)
{
    bool logits = kind == LRP_OUTPUT_LOGITS; /* else the row holds no logit to show */
    int64_t images = y->rank > 0 ? y->dims[0] : 1;
    int classes = (int)(lrp_array_count(y) / (size_t)(images ? images : 1));
    lrp_json j;
    lrp_json_init(&j, stdout, 1);
    if (json) {
        lrp_json_begin_object(&j);
        lrp_json_key(&j, "load_ms");
        lrp_json_double(&j, load_ms);
        lrp_json_key(&j, "forward_ms");
        lrp_json_double(&j, forward_ms);
        lrp_json_key(&j, "peak_rss_mib");
        lrp_json_double(&j, cli_peak_rss_mib());
        lrp_json_key(&j, "output_shape");
        lrp_json_begin_array(&j);
        for (int i = 0; i < y->rank; i++)
            lrp_json_int(&j, y->dims[i]);
        lrp_json_end_array(&j);
        lrp_json_key(&j, "images");
        lrp_json_begin_array(&j);
    }
    for (int64_t i = 0; i < images; i++) {
        ranked top[5];
        int n = top_k(y->data + i * classes, classes, kind, 5, top);
        if (!json) {
            printf("image %lld:", (long long)i);
            for (int r = 0; r < n; r++)
                printf(logits ? "  class %d %.4f (logit %.4g)" : "  class %d %.4f", top[r].cls,
                       top[r].prob, top[r].logit);
            printf("\n");
            continue;
        }
        lrp_json_begin_object(&j);
        lrp_json_key(&j, "top5");
        lrp_json_begin_array(&j);
        for (int r = 0; r < n; r++) {
            lrp_json_begin_object(&j);
            lrp_json_key(&j, "class");
            lrp_json_int(&j, top[r].cls);
            if (logits) {
                lrp_json_key(&j, "logit");
                lrp_json_float(&j, top[r].logit);
            }
            lrp_json_key(&j, "probability");
            lrp_json_double(&j, top[r].prob);
            lrp_json_end_object(&j);
        }
        lrp_json_end_array(&j);
        lrp_json_end_object(&j);
    }
    if (json) {
        lrp_json_end_array(&j);
        lrp_json_end_object(&j);
        fputc('\n', stdout);
    } else {
        fprintf(stderr, "load %.1f ms, forward %.1f ms\n", load_ms, forward_ms);
    }
}

typedef struct forward_opts {
    const char *model, *input, *output;
    bool json;
    int repeat, threads;
} forward_opts;

static int parse(int argc, char **argv, forward_opts *o)
{
    cli_args a = {argc, argv, 1};
    int status = CLI_OK;
    for (; a.i < argc && status == CLI_OK; a.i++) {
        const char *arg = argv[a.i], *value = NULL;
        if (cli_is(arg, "--help") || cli_is(arg, "-h")) {
            fputs(help, stdout);
            return -1;
        } else if (cli_is(arg, "--json")) {
            o->json = true;
        } else if (cli_value(&a, "--input-tensor", &o->input, &status) ||
                   cli_value(&a, "--output-tensor", &o->output, &status)) {
        } else if (cli_value(&a, "--repeat", &value, &status)) {
            if (!status && !cli_parse_count(value, &o->repeat))
                return cli_usage_error("forward", "--repeat takes a positive count");
        } else if (cli_value(&a, "--threads", &value, &status)) {
            if (!status && !cli_parse_threads(value, &o->threads))
                return cli_usage_error("forward", "--threads takes a count from 1 to %d",
                                       CLI_MAX_THREADS);
        } else if (arg[0] == '-' && arg[1]) {
            return cli_usage_error("forward", "unknown option '%s'", arg);
        } else if (o->model) {
            return cli_usage_error("forward", "one model at a time ('%s' and '%s')", o->model,
                                   arg);
        } else {
            o->model = arg;
        }
    }
    if (status == CLI_OK && (!o->model || !o->input))
        return cli_usage_error("forward", "need MODEL.onnx and --input-tensor X.npy");
    return status;
}

/* Runs the forward pass o->repeat times; *ms = the median time. Repeats
 * start with an untimed run: the first one allocates the workspace. */
static lrp_status timed_forward(lrp_model *m, const forward_opts *o, const lrp_array *x,
                                lrp_array *y, double *ms, lrp_error *err)
{
    double times[1000];
    int runs = o->repeat < 1000 ? o->repeat : 1000;
    for (int i = runs > 1 ? -1 : 0; i < runs; i++) {
        lrp_array_free(y);
        double t = lrp_now_ms();
        lrp_status st = lrp_model_forward(m, x, y, err);
        if (i >= 0)
            times[i] = lrp_now_ms() - t;
        if (st)
            return st;
    }
    *ms = cli_median(times, runs);
    return LRP_OK;
}

/* Makes m ready for x's shape (oneDNN's weights packed), timed into *load_ms. */
static lrp_status warm_up(lrp_model *m, const lrp_array *x, double *load_ms, lrp_error *err)
{
    double t = lrp_now_ms();
    lrp_status st = lrp_model_warm_up(m, x->rank, x->dims, err);
    *load_ms += lrp_now_ms() - t;
    return st;
}

int cmd_forward(int argc, char **argv)
{
    forward_opts o = {.repeat = 1};
    int status = parse(argc, argv, &o);
    if (status)
        return status < 0 ? CLI_OK : status;
    lrp_error err = {0};
    lrp_model *m = NULL;
    lrp_array x = {0}, y = {0};
    double t0 = lrp_now_ms(), forward_ms = 0.0;
    if (cli_load_model(o.model, &m, &err) ||
        lrp_model_set_threads(m, o.threads ? o.threads : cli_cores(), &err)) {
        lrp_model_free(m);
        return cli_fail(&err);
    }
    double load_ms = lrp_now_ms() - t0;
    if (cli_read_input(o.input, &x, &err) || warm_up(m, &x, &load_ms, &err) ||
        timed_forward(m, &o, &x, &y, &forward_ms, &err)) {
        status = cli_fail(&err);
    } else {
        if (o.output && lrp_npy_save(o.output, &y, &err))
            status = cli_fail(&err);
        else
            print_results(&y, lrp_model_output_kind(m), o.json, load_ms, forward_ms);
    }
    lrp_array_free(&x);
    lrp_array_free(&y);
    lrp_model_free(m);
    return status;
}
