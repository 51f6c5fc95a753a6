/* Helpers shared by the subcommands. */
#include "cli/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "util/error.h"
#include "util/finite.h"
#include "util/text.h"

void cli_put_escaped(FILE *f, const char *s)
{
    lrp_text_put_escaped(f, s);
}

int cli_fail(const lrp_error *err)
{
    fputs("onnx-lrp: error: ", stderr);
    cli_put_escaped(stderr, err->message);
    fputc('\n', stderr);
    return CLI_BAD_INPUT;
}

void cli_print_notes(const lrp_explainer *e)
{
    for (int i = 0; i < lrp_explainer_notes(e); i++)
        fprintf(stderr, "onnx-lrp: note: %s (preset %s)\n", lrp_explainer_note(e, i),
                lrp_explainer_preset(e));
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
    char raw[1024], shown[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    fprintf(stderr, "onnx-lrp %s: %s (see 'onnx-lrp %s --help')\n", command,
            lrp_text_escape(shown, sizeof shown, raw), command);
    return CLI_BAD_INPUT;
}

bool cli_is(const char *arg, const char *name)
{
    return strcmp(arg, name) == 0;
}

bool cli_value(cli_args *a, const char *name, const char **value, int *status)
{
    const char *arg = a->argv[a->i];
    size_t len = strlen(name);
    if (strncmp(arg, name, len) != 0)
        return false;
    if (arg[len] == '=') {
        *value = arg + len + 1;
        return true;
    }
    if (arg[len] != '\0')
        return false;
    if (a->i + 1 >= a->argc) {
        fprintf(stderr, "onnx-lrp: option %s needs a value\n", name);
        *status = CLI_BAD_INPUT;
        return true;
    }
    *value = a->argv[++a->i];
    return true;
}

lrp_status cli_read_input(const char *path, lrp_array *out, lrp_error *err)
{
    lrp_status st = lrp_npy_load(path, out, err);
    if (st == LRP_OK && out->rank != 4)
        st = lrp_error_set(err, LRP_ERR_SHAPE,
                           "%s: need a float32 array of rank 4 (N,C,H,W), "
                           "got rank %d",
                           path, out->rank);
    if (st == LRP_OK)
        st = lrp_check_finite(out->data, out->rank, out->dims, path, err);
    if (st)
        lrp_array_free(out);
    return st;
}

int cli_model_classes(const lrp_model *m)
{
    lrp_model_info info;
    lrp_error err = {0};
    if (lrp_model_get_info(m, &info, &err) || info.output_rank < 1)
        return 0;
    int64_t classes = info.output_dims[info.output_rank - 1];
    return classes > 0 && classes < 1 << 30 ? (int)classes : 0;
}

bool cli_one_input_dims(const lrp_model *m, int64_t dims[4])
{
    lrp_model_info info;
    lrp_error err = {0};
    if (lrp_model_get_info(m, &info, &err) || info.input_rank != 4)
        return false;
    const int64_t *d = info.input_dims;
    if (d[0] > 1 || d[1] < 1 || d[2] < 1 || d[3] < 1)
        return false;
    dims[0] = 1;
    dims[1] = d[1];
    dims[2] = d[2];
    dims[3] = d[3];
    return true;
}

double cli_median(double *v, int n)
{
    for (int i = 1; i < n; i++) /* insertion sort: n is a repeat count */
        for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The peak resident set of this process's own memory: /proc/self/status's
 * VmHWM. Not getrusage's ru_maxrss, which Linux carries over exec from the
 * process that forked this one (a tiny model's run from a Python script
 * holding 400 MiB reported 410 MiB); that only where /proc is absent. */
double cli_peak_rss_mib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && kib < 0 && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kib = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    if (kib >= 0)
        return (double)kib / 1024.0;
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0.0;
    return (double)ru.ru_maxrss / 1024.0; /* Linux: KiB */
}

bool cli_parse_count(const char *s, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || v < 1 || v > 100000)
        return false;
    *out = (int)v;
    return true;
}

bool cli_parse_threads(const char *s, int *out)
{
    int n;
    if (!cli_parse_count(s, &n) || n > CLI_MAX_THREADS)
        return false;
    *out = n;
    return true;
}

int cli_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* The --max-memory limit of this process; 0 = the library's default. */
static size_t max_memory;

static bool parse_size(const char *s, size_t *out)
{
    char *end;
    double v = strtod(s, &end);
    double unit = *end == 'K' || *end == 'k'   ? 1024.0
                  : *end == 'M' || *end == 'm' ? 1024.0 * 1024.0
                  : *end == 'G' || *end == 'g' ? 1024.0 * 1024.0 * 1024.0
                                               : 1.0;
    if (unit > 1.0)
        end++;
    if (end == s || *end != '\0' || !(v > 0) || v * unit > 1e18)
        return false;
    *out = (size_t)(v * unit);
    return true;
}

/* The --backend of this process; LRP_BACKEND_DEFAULT = the library's. */
static lrp_backend backend;

static bool parse_backend(const char *s)
{
    int b = lrp_backend_from_name(s);
    backend = b < 0 ? backend : (lrp_backend)b;
    return b >= 0;
}

/* The --precision of this process (f32 unless asked). */
static lrp_precision precision;

static bool parse_precision(const char *s)
{
    int p = lrp_precision_from_name(s);
    precision = p < 0 ? precision : (lrp_precision)p;
    return p >= 0;
}

/* Takes "NAME VALUE" and "NAME=VALUE" out of argv, the last one counting;
 * false when 'parse' refuses a value (*bad = it). */
static bool take_option(int *argc, char **argv, const char *name, bool (*parse)(const char *),
                        const char **bad)
{
    int kept = 1;
    size_t len = strlen(name);
    for (int i = 1; i < *argc; i++) {
        const char *value = NULL;
        if (strcmp(argv[i], name) == 0)
            value = i + 1 < *argc ? argv[++i] : "";
        else if (strncmp(argv[i], name, len) == 0 && argv[i][len] == '=')
            value = argv[i] + len + 1;
        if (!value)
            argv[kept++] = argv[i];
        else if (!parse(value))
            return *bad = value, false;
    }
    *argc = kept;
    argv[kept] = NULL;
    return true;
}

static bool parse_max_memory(const char *s)
{
    return parse_size(s, &max_memory);
}

int cli_take_max_memory(int *argc, char **argv)
{
    const char *value;
    if (!take_option(argc, argv, "--max-memory", parse_max_memory, &value)) {
        fprintf(stderr, "onnx-lrp: --max-memory takes a size like 4G or 512M, not '%s'\n",
                value);
        return CLI_BAD_INPUT;
    }
    return CLI_OK;
}

int cli_take_backend(int *argc, char **argv)
{
    const char *value;
    if (!take_option(argc, argv, "--backend", parse_backend, &value)) {
        fprintf(stderr, "onnx-lrp: --backend takes openblas or dnnl, not '%s'\n", value);
        return CLI_BAD_INPUT;
    }
    if (!take_option(argc, argv, "--precision", parse_precision, &value)) {
        fprintf(stderr, "onnx-lrp: --precision takes f32 or bf16, not '%s'\n", value);
        return CLI_BAD_INPUT;
    }
    lrp_error err;
    if (lrp_precision_check(backend, precision, &err)) {
        fprintf(stderr, "onnx-lrp: --precision %s with --backend %s: %s\n",
                lrp_precision_name(precision), lrp_backend_name(backend), err.message);
        return CLI_BAD_INPUT;
    }
    return CLI_OK;
}

const char *cli_backend_name(void)
{
    return lrp_backend_name(backend);
}

lrp_precision cli_precision(void)
{
    return precision;
}

lrp_status cli_load_model(const char *path, lrp_model **out, lrp_error *err)
{
    lrp_status st = lrp_model_load(path, out, err);
    if (st)
        return st;
    if (max_memory)
        lrp_model_set_max_memory(*out, max_memory);
    if ((st = lrp_model_set_backend(*out, backend, err)))
        lrp_error_prefix(err, "--backend %s", lrp_backend_name(backend));
    else if ((st = lrp_model_set_precision(*out, precision, err)))
        lrp_error_prefix(err, "--precision %s", lrp_precision_name(precision));
    if (st) {
        lrp_model_free(*out);
        *out = NULL;
    }
    return st;
}
