/* Per-image evaluate records: a line-based text file, every number in
 * %.17g so that reading it back gives the very doubles that were written. */
#include "cli/eval_record.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/record_file.h"
#include "io/atomic_file.h"
#include "util/error.h"

static const char record_magic[] = "onnx-lrp evaluate record 2";

void eval_scores_free(eval_scores *s)
{
    for (int k = 0; k < s->n_methods; k++)
        lrp_insdel_result_free(&s->res[k]);
    s->n_methods = 0;
}

lrp_status cli_file_hash(const char *path, char *out, lrp_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return lrp_error_set(err, LRP_ERR_IO, "%s: %s", path, strerror(errno));
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a, 64 bits */
    unsigned char buf[65536];
    for (size_t n; (n = fread(buf, 1, sizeof buf, f)) > 0;)
        for (size_t i = 0; i < n; i++)
            h = (h ^ buf[i]) * 0x100000001b3ull;
    bool bad = ferror(f);
    fclose(f);
    if (bad)
        return lrp_error_set(err, LRP_ERR_IO, "%s: read error", path);
    snprintf(out, 25, "fnv1a64:%016" PRIx64, h);
    return LRP_OK;
}

bool eval_record_path(const char *dir, const char *stem, char *path, size_t size)
{
    return snprintf(path, size, "%s/records/%s.eval", dir, stem) < (int)size;
}

static void write_curve(FILE *f, const char *name, const double *v, int n)
{
    fputs(name, f);
    for (int p = 0; p < n; p++)
        fprintf(f, " %.17g", v[p]);
    fputc('\n', f);
}

lrp_status eval_record_write(const char *dir, const char *stem, const char *file,
                             const char *options, const eval_scores *s, lrp_error *err)
{
    char path[4096];
    if (!eval_record_path(dir, stem, path, sizeof path))
        return lrp_error_set(err, LRP_ERR_IO, "%s: the record's path is too long", stem);
    lrp_atomic_file af;
    lrp_status st = lrp_atomic_open(path, &af, err);
    if (st)
        return st;
    fprintf(af.f, "%s\noptions %s\nindex %d\nlabel %d\npredicted %d\nmethods %d\n",
            record_magic, options, s->index, s->label, s->predicted, s->n_methods);
    for (int k = 0; k < s->n_methods; k++) {
        const lrp_insdel_result *r = &s->res[k];
        fprintf(af.f, "method %d %d %.17g %.17g %.17g %.17g %.17g %ld %ld\n", k, r->n,
                r->ins_auc, r->del_auc, s->cons[k], s->r_in[k], s->prob[k], s->forwards[k],
                s->backwards[k]);
        write_curve(af.f, "ins", r->ins, r->n);
        write_curve(af.f, "del", r->del, r->n);
    }
    fprintf(af.f, "file %s\n", file); /* last: a path may hold spaces */
    return lrp_atomic_commit(&af, err);
}

/* "ins v0 v1 ..." with exactly n values, into a new array *out. */
static bool read_curve(record_reader *rd, const char *key, int n, double **out)
{
    const char *s = record_keyed(rd, key);
    double *v = s && n > 0 ? malloc(sizeof *v * (size_t)n) : NULL;
    for (int p = 0; v && p < n; p++) {
        char *end;
        v[p] = strtod(s, &end);
        if (end == s) {
            free(v);
            v = NULL;
        }
        s = end;
    }
    *out = v;
    return v && *s == '\0';
}

static bool read_method(record_reader *rd, int k, eval_scores *s)
{
    const char *l = record_keyed(rd, "method");
    lrp_insdel_result *r = &s->res[k];
    int kk = -1, used = 0;
    s->seconds[k] = NAN; /* a record keeps no time: its bytes depend on the inputs alone */
    if (!l ||
        sscanf(l, "%d %d %lf %lf %lf %lf %lf %ld %ld%n", &kk, &r->n, &r->ins_auc, &r->del_auc,
               &s->cons[k], &s->r_in[k], &s->prob[k], &s->forwards[k], &s->backwards[k],
               &used) != 9 ||
        kk != k || l[used] || r->n < 1)
        return false;
    s->n_methods = k + 1; /* owns res[k] from here, for eval_scores_free */
    return read_curve(rd, "ins", r->n, &r->ins) && read_curve(rd, "del", r->n, &r->del);
}

/* The fields after the options line; false (why filled) when any differs. */
static bool read_body(record_reader *rd, const char *file, int index, int n_methods,
                      eval_scores *s, char *why, size_t size)
{
    int n = 0;
    if (!record_keyed_int(rd, "index", &s->index) ||
        !record_keyed_int(rd, "label", &s->label) ||
        !record_keyed_int(rd, "predicted", &s->predicted) ||
        !record_keyed_int(rd, "methods", &n)) {
        snprintf(why, size, "unreadable");
        return false;
    }
    if (s->index != index || n != n_methods) {
        snprintf(why, size, "made for image %d with %d methods, not %d with %d", s->index, n,
                 index, n_methods);
        return false;
    }
    for (int k = 0; k < n; k++)
        if (!read_method(rd, k, s)) {
            snprintf(why, size, "unreadable at method %d", k);
            return false;
        }
    const char *f = record_keyed(rd, "file");
    if (!f || strcmp(f, file) != 0) {
        snprintf(why, size, "made for another file (%.200s)", f ? f : "none");
        return false;
    }
    return true;
}

eval_record_state eval_record_read(const char *dir, const char *stem, const char *file,
                                   const char *options, int index, int n_methods,
                                   eval_scores *s, char *why, size_t size)
{
    char path[4096];
    memset(s, 0, sizeof *s);
    record_reader rd;
    if (!eval_record_path(dir, stem, path, sizeof path) || !record_open(&rd, path))
        return EVAL_RECORD_ABSENT;
    const char *magic = record_line(&rd);
    bool magic_ok = magic && strcmp(magic, record_magic) == 0;
    const char *opts = magic_ok ? record_keyed(&rd, "options") : NULL;
    bool ok = false;
    if (!opts)
        snprintf(why, size, "not a record");
    else if (strcmp(opts, options) != 0)
        snprintf(why, size, "made with other options (%.300s)", opts);
    else
        ok = read_body(&rd, file, index, n_methods, s, why, size);
    record_close(&rd);
    if (!ok)
        eval_scores_free(s);
    return ok ? EVAL_RECORD_OK : EVAL_RECORD_STALE;
}
