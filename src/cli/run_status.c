/* The status file: "key value" lines, one value per line, so a shell can
 * read it too (grep '^done ' OUT/status). */
#include "cli/run_status.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/atomic_file.h"
#include "util/error.h"

static const char status_magic[] = "onnx-lrp status 1";

lrp_status run_status_write(const char *dir, const run_status *s, lrp_error *err)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/status", dir) >= (int)sizeof path)
        return lrp_error_set(err, LRP_ERR_IO, "%.200s...: the directory's name is too long",
                             dir);
    lrp_atomic_file af;
    lrp_status st = lrp_atomic_open(path, &af, err);
    if (st)
        return st;
    fprintf(af.f,
            "%s\ncommand %s\nshard %d/%d\ndone %d\ntotal %d\nfailed %d\n"
            "images_per_s %.3f\neta_s %.0f\nstate %s\nversion %s\nmodel_hash %s\noptions %s\n",
            status_magic, s->command, s->shard_k, s->shard_n, s->done, s->total, s->failed,
            s->rate, s->eta_s, s->finished ? "finished" : "running", s->version, s->model_hash,
            s->options);
    for (int i = 0; i < s->n_args; i++)
        fprintf(af.f, "arg %s\n", s->args[i]);
    for (int i = 0; i < s->n_failed_files; i++)
        fprintf(af.f, "failed_file %s\n", s->failed_files[i]);
    return lrp_atomic_commit(&af, err);
}

static bool push_string(char ***list, int *n, const char *v);

lrp_status run_status_step(run_status *s, const char *failed_file, int computed, double seconds,
                           lrp_error *err)
{
    s->done++;
    if (failed_file && !push_string(&s->failed_files, &s->n_failed_files, failed_file))
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
    s->failed += failed_file != NULL;
    s->rate = computed > 0 && seconds > 0 ? computed / seconds : 0.0;
    s->eta_s = s->rate > 0 ? (s->total - s->done) / s->rate : 0.0;
    s->finished = s->done == s->total;
    return LRP_OK;
}

static bool push_string(char ***list, int *n, const char *v)
{
    char **grown = realloc(*list, sizeof *grown * (size_t)(*n + 1));
    if (!grown)
        return false;
    *list = grown;
    return (grown[*n] = strdup(v)) && ++*n;
}

/* One "key value" line into s; false when the key is known and the value bad
 * or memory runs out (unknown keys are skipped: newer versions may add some). */
static bool read_field(run_status *s, const char *key, const char *v)
{
    if (strcmp(key, "shard") == 0)
        return sscanf(v, "%d/%d", &s->shard_k, &s->shard_n) == 2 && s->shard_n > 0 &&
               s->shard_k >= 0 && s->shard_k < s->shard_n;
    if (strcmp(key, "done") == 0 || strcmp(key, "total") == 0 || strcmp(key, "failed") == 0)
        return sscanf(v, "%d",
                      key[0] == 'd'   ? &s->done
                      : key[0] == 't' ? &s->total
                                      : &s->failed) == 1;
    if (strcmp(key, "images_per_s") == 0 || strcmp(key, "eta_s") == 0)
        return sscanf(v, "%lf", key[0] == 'i' ? &s->rate : &s->eta_s) == 1;
    if (strcmp(key, "state") == 0)
        return (s->finished = strcmp(v, "finished") == 0) || strcmp(v, "running") == 0;
    if (strcmp(key, "command") == 0)
        return (strcmp(v, "evaluate") == 0 || strcmp(v, "explain") == 0) &&
               snprintf(s->command, sizeof s->command, "%s", v) > 0;
    if (strcmp(key, "version") == 0 || strcmp(key, "model_hash") == 0)
        return snprintf(key[0] == 'v' ? s->version : s->model_hash, sizeof s->version, "%s",
                        v) < (int)sizeof s->version;
    if (strcmp(key, "options") == 0)
        return !s->options && (s->options = strdup(v));
    if (strcmp(key, "arg") == 0)
        return push_string(&s->args, &s->n_args, v);
    if (strcmp(key, "failed_file") == 0)
        return push_string(&s->failed_files, &s->n_failed_files, v);
    return true;
}

lrp_status run_status_read(const char *dir, run_status *s, lrp_error *err)
{
    memset(s, 0, sizeof *s);
    char path[4096];
    snprintf(path, sizeof path, "%s/status", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return lrp_error_set(err, LRP_ERR_IO, "%s: %s (not an evaluate output directory?)",
                             path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    int n = 0;
    lrp_status st = LRP_OK;
    for (ssize_t len; st == LRP_OK && (len = getline(&line, &cap, f)) >= 0; n++) {
        line[strcspn(line, "\n")] = '\0';
        char *sp = strchr(line, ' ');
        if (n == 0 ? strcmp(line, status_magic) != 0 : !sp)
            st = lrp_error_set(err, LRP_ERR_PARSE, "%s: line %d: not an onnx-lrp status file",
                               path, n + 1);
        else if (n > 0 && (*sp = '\0', !read_field(s, line, sp + 1)))
            st = lrp_error_set(err, LRP_ERR_PARSE, "%s: line %d: bad %s", path, n + 1, line);
    }
    free(line);
    fclose(f);
    if (st == LRP_OK && (!s->shard_n || !s->options || !s->command[0]))
        st = lrp_error_set(err, LRP_ERR_PARSE, "%s: incomplete status file", path);
    if (st)
        run_status_free(s);
    return st;
}

void run_status_free(run_status *s)
{
    for (int i = 0; i < s->n_args; i++)
        free(s->args[i]);
    for (int i = 0; i < s->n_failed_files; i++)
        free(s->failed_files[i]);
    free(s->args);
    free(s->failed_files);
    free(s->options);
    memset(s, 0, sizeof *s);
}
