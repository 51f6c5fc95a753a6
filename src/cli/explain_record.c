/* Per-image explain records: the report.json objects, the terminal text, the
 * files written and the flags of one image, as lines. */
#include "cli/explain_record.h"

#include <stdlib.h>
#include <string.h>

#include "cli/record_file.h"
#include "io/atomic_file.h"
#include "util/error.h"

static const char record_magic[] = "onnx-lrp explain record 1";

/* Arguments that change no output of an image: -o, --threads, --shard (and
 * their values), --force. 2: skip it and its value, 1: it alone, 0: keep. */
static int skipped(const char *a)
{
    static const char *const valued[] = {"-o", "--output-dir", "--threads", "--shard"};
    for (size_t k = 0; k < sizeof valued / sizeof *valued; k++) {
        size_t n = strlen(valued[k]);
        if (strcmp(a, valued[k]) == 0)
            return 2;
        if (strncmp(a, valued[k], n) == 0 && a[n] == '=')
            return 1;
    }
    return strcmp(a, "--force") == 0;
}

static bool positional(const explain_opts *o, const char *a)
{
    for (int k = 0; k < o->n_inputs; k++)
        if (o->inputs[k] == a)
            return true;
    return a == o->model;
}

lrp_status explain_record_options(const explain_opts *o, char **out, lrp_error *err)
{
    char model[32], labels[32] = "";
    lrp_status st = cli_file_hash(o->model, model, err);
    if (st == LRP_OK && o->labels && (st = cli_file_hash(o->labels, labels, err)) != LRP_OK)
        return st;
    size_t size = 0;
    FILE *f = st == LRP_OK ? open_memstream(out, &size) : NULL;
    if (!f)
        return st ? st : lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
    fprintf(f, "onnx-lrp %s; model %s%s%s;", LRP_VERSION, model, o->labels ? "; labels " : "",
            labels);
    for (int i = 1; i < o->argc; i++) {
        int skip = skipped(o->argv[i]);
        if (skip || positional(o, o->argv[i]))
            i += skip == 2;
        else
            fprintf(f, " %s", o->argv[i]);
    }
    fclose(f);
    return *out ? LRP_OK : lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
}

static bool record_path(const char *dir, const char *stem, char *path, size_t size)
{
    return snprintf(path, size, "%s/records/%s.explain", dir, stem) < (int)size;
}

/* "<key> <n>" and then n lines of list. */
static void write_list(FILE *f, const char *key, char *const *list, int n)
{
    fprintf(f, "%s %d\n", key, n);
    for (int k = 0; k < n; k++)
        fprintf(f, "%s\n", list[k]);
}

/* The terminal text's lines as a list, written as write_list does. */
static void write_text(FILE *f, const char *text)
{
    int n = 0;
    for (const char *p = text; p && *p; p++)
        n += *p == '\n';
    fprintf(f, "text %d\n%s", n, text ? text : "");
}

lrp_status explain_record_write(const char *dir, const cli_input *it, const char *options,
                                const image_result *res, lrp_error *err)
{
    char path[4096];
    if (!record_path(dir, it->stem, path, sizeof path))
        return lrp_error_set(err, LRP_ERR_IO, "%s: the record's path is too long", it->stem);
    lrp_atomic_file af;
    lrp_status st = lrp_atomic_open(path, &af, err);
    if (st)
        return st;
    fprintf(af.f, "%s\noptions %s\ndir %s\nindex %d\nconversions %u\nnot_conserved %d\n",
            record_magic, options, dir, it->index, res->conversions, res->not_conserved);
    if (res->error) {
        fputs("error ", af.f);
        for (const char *p = res->error; *p; p++)
            fputc(*p == '\n' ? ' ' : *p, af.f);
        fputc('\n', af.f);
    } else {
        fputs("error -\n", af.f);
    }
    write_list(af.f, "objects", res->objects, res->n_objects);
    write_list(af.f, "outputs", res->outputs, res->n_outputs);
    write_text(af.f, res->error ? NULL : res->line);
    fprintf(af.f, "file %s\n", it->path);
    return lrp_atomic_commit(&af, err);
}

/* n lines after "<key> <n>" into a new list *out (*n_out entries owned). */
static bool read_list(record_reader *rd, const char *key, char ***out, int *n_out)
{
    int n = -1;
    if (!record_keyed_int(rd, key, &n) || n < 0 || n > 100000)
        return false;
    *out = calloc((size_t)n + 1, sizeof **out);
    for (int k = 0; *out && k < n; k++) {
        const char *l = record_line(rd);
        if (!l || !((*out)[k] = strdup(l)))
            return false;
        *n_out = k + 1;
    }
    return *out != NULL;
}

/* The text lines back into one string, each with its newline. */
static bool read_text(record_reader *rd, char **text)
{
    int n = -1;
    size_t size = 0;
    if (!record_keyed_int(rd, "text", &n) || n < 0)
        return false;
    FILE *f = open_memstream(text, &size);
    bool ok = f != NULL;
    for (int k = 0; ok && k < n; k++) {
        const char *l = record_line(rd);
        ok = l && fprintf(f, "%s\n", l) >= 0;
    }
    if (f)
        fclose(f);
    return ok && *text;
}

/* Everything after the options line into res. */
static bool read_body(record_reader *rd, const cli_input *it, image_result *res, char *why,
                      size_t size)
{
    int index = -1, flag = 0;
    const char *conv = NULL, *e = NULL;
    bool ok = record_keyed_int(rd, "index", &index) && index == it->index &&
              (conv = record_keyed(rd, "conversions")) &&
              sscanf(conv, "%u", &res->conversions) == 1 &&
              record_keyed_int(rd, "not_conserved", &flag) && (e = record_keyed(rd, "error")) &&
              (strcmp(e, "-") == 0 || (res->error = strdup(e)));
    res->not_conserved = flag;
    ok = ok && read_list(rd, "objects", &res->objects, &res->n_objects) &&
         read_list(rd, "outputs", &res->outputs, &res->n_outputs) && read_text(rd, &res->line);
    const char *f = ok ? record_keyed(rd, "file") : NULL;
    if (!f || strcmp(f, it->path) != 0) {
        snprintf(why, size, "unreadable, or made for another image");
        return false;
    }
    size_t json_size = 0; /* --json prints the objects, one per line */
    FILE *jf = open_memstream(&res->json_lines, &json_size);
    for (int k = 0; jf && k < res->n_objects; k++)
        fprintf(jf, "%s\n", res->objects[k]);
    if (jf)
        fclose(jf);
    return res->json_lines != NULL;
}

eval_record_state explain_record_read(const char *dir, const cli_input *it, const char *options,
                                      image_result *res, char **written_in, char *why,
                                      size_t size)
{
    char path[4096];
    record_reader rd;
    memset(res, 0, sizeof *res);
    if (!record_path(dir, it->stem, path, sizeof path) || !record_open(&rd, path))
        return EVAL_RECORD_ABSENT;
    const char *magic = record_line(&rd);
    bool magic_ok = magic && strcmp(magic, record_magic) == 0;
    const char *opts = magic_ok ? record_keyed(&rd, "options") : NULL, *d;
    bool ok = false;
    *written_in = NULL;
    if (!opts)
        snprintf(why, size, "not a record");
    else if (strcmp(opts, options) != 0)
        snprintf(why, size, "made with other options (%.300s)", opts);
    else if (!(d = record_keyed(&rd, "dir")) || !(*written_in = strdup(d)))
        snprintf(why, size, "unreadable");
    else
        ok = read_body(&rd, it, res, why, size);
    record_close(&rd);
    if (!ok) {
        image_result_clear(res);
        free(*written_in);
        *written_in = NULL;
    }
    return ok ? EVAL_RECORD_OK : EVAL_RECORD_STALE;
}
