/* Gathering explain shards: records, pictures, output paths. */
#include "cli/explain_merge.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/explain_record.h"
#include "io/atomic_file.h"
#include "io/file.h"
#include "io/json.h"
#include "util/error.h"

lrp_status explain_merge_read(const eval_merge *mg, const cli_input *it, const char *options,
                              image_result *res, char **written_in, bool *stale, lrp_error *err)
{
    int k = it->index % mg->n;
    const run_status *sh = &mg->status[k];
    char why[512] = "";
    eval_record_state rec = explain_record_read(mg->dirs[k], it, options, res, written_in, why,
                                                sizeof why);
    *stale = rec == EVAL_RECORD_STALE;
    if (rec == EVAL_RECORD_OK)
        return LRP_OK;
    if (*stale)
        return lrp_error_set(err, LRP_ERR_ARG, "%s/records/%s.explain: %s", mg->dirs[k],
                             it->stem, why);
    return lrp_error_set(err, LRP_ERR_IO,
                         "%s: missing: shard %d/%d (%s) has no record of it "
                         "(%s, %d of %d images done)",
                         it->path, k, mg->n, mg->dirs[k],
                         sh->finished ? "finished" : "not finished", sh->done, sh->total);
}

/* src to dst: a hard link when the file system allows, else a copy; either
 * appears at dst whole (link or write beside it, then rename). */
static lrp_status link_or_copy(const char *src, const char *dst, lrp_error *err)
{
    char tmp[4300];
    snprintf(tmp, sizeof tmp, "%s.link-%ld", dst, (long)getpid());
    if (link(src, tmp) == 0) {
        if (rename(tmp, dst) == 0)
            return LRP_OK;
        int saved = errno;
        remove(tmp);
        return lrp_error_set(err, LRP_ERR_IO, "%s: %s", dst, strerror(saved));
    }
    void *buf = NULL;
    size_t size = 0;
    lrp_status st = lrp_read_file(src, (size_t)1 << 40, &buf, &size, err);
    if (st == LRP_OK)
        st = lrp_write_file_atomic(dst, buf, size, err);
    free(buf);
    return st;
}

/* s as a JSON string (with its quotes), malloc'd. */
static char *json_quoted(const char *s)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (!f)
        return NULL;
    lrp_json j;
    lrp_json_init(&j, f, 0);
    lrp_json_string(&j, s);
    fclose(f);
    return buf;
}

/* Every `from` in *text replaced by `to` (both non-empty). */
static bool replace_all(char **text, const char *from, const char *to)
{
    size_t nf = strlen(from), nt = strlen(to), count = 0;
    for (const char *p = *text; (p = strstr(p, from)); p += nf)
        count++;
    if (!count)
        return true;
    char *out = malloc(strlen(*text) + count * nt + 1), *w = out;
    if (!out)
        return false;
    for (const char *p = *text, *q;; p = q + nf) {
        q = strstr(p, from);
        size_t n = q ? (size_t)(q - p) : strlen(p);
        memcpy(w, p, n);
        w += n;
        if (!q)
            break;
        memcpy(w, to, nt);
        w += nt;
    }
    *w = '\0';
    free(*text);
    *text = out;
    return true;
}

/* The output 'name' written in 'old_dir' now in 'new_dir', in every object
 * and in the --json lines. */
static bool repoint(image_result *res, const char *old_dir, const char *new_dir,
                    const char *name)
{
    char old_path[4200], new_path[4200];
    snprintf(old_path, sizeof old_path, "%s/%s", old_dir, name);
    snprintf(new_path, sizeof new_path, "%s/%s", new_dir, name);
    char *from = json_quoted(old_path), *to = json_quoted(new_path);
    bool ok = from && to;
    for (int k = 0; ok && k < res->n_objects; k++)
        ok = replace_all(&res->objects[k], from, to);
    ok = ok && replace_all(&res->json_lines, from, to);
    free(from);
    free(to);
    return ok;
}

lrp_status explain_merge_outputs(const eval_merge *mg, const cli_input *it, const char *out_dir,
                                 const char *written_in, image_result *res, lrp_error *err)
{
    const char *dir = mg->dirs[it->index % mg->n];
    lrp_status st = LRP_OK;
    for (int k = 0; st == LRP_OK && k < res->n_outputs; k++) {
        char src[4200], dst[4200];
        snprintf(src, sizeof src, "%s/%s", dir, res->outputs[k]);
        snprintf(dst, sizeof dst, "%s/%s", out_dir, res->outputs[k]);
        st = link_or_copy(src, dst, err);
        if (st == LRP_OK && !repoint(res, written_in, out_dir, res->outputs[k]))
            st = lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
    }
    return st;
}
