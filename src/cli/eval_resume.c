/* Record lookup, recording and the status file of an evaluate run. */
#include "cli/eval_resume.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/explain.h"
#include "util/clock.h"
#include "util/error.h"

lrp_status eval_merge_check(const eval_merge *mg, const run_status *me, const cli_inputs *in,
                            lrp_error *err)
{
    for (int k = 0; k < mg->n; k++) {
        const run_status *sh = &mg->status[k];
        const char *d = mg->dirs[k];
        int expected = 0;
        for (int i = 0; i < in->count; i++)
            expected += in->items[i].index % mg->n == k;
        if (strcmp(sh->command, me->command) != 0)
            return lrp_error_set(err, LRP_ERR_ARG, "%s: a shard of %s, not of %s", d,
                                 sh->command, me->command);
        if (strcmp(sh->version, me->version) != 0)
            return lrp_error_set(err, LRP_ERR_ARG, "%s: made by onnx-lrp %s, this is %s", d,
                                 sh->version, me->version);
        if (strcmp(sh->model_hash, me->model_hash) != 0)
            return lrp_error_set(err, LRP_ERR_ARG,
                                 "%s: made with another model (%s), not the "
                                 "file it names now (%s)",
                                 d, sh->model_hash, me->model_hash);
        if (strcmp(sh->options, me->options) != 0)
            return lrp_error_set(err, LRP_ERR_ARG,
                                 "%s: made with other options (%s), not "
                                 "those of the first shard (%s)",
                                 d, sh->options, me->options);
        if (sh->total != expected)
            return lrp_error_set(err, LRP_ERR_ARG,
                                 "%s: shard %d/%d had %d images, the inputs "
                                 "now give it %d",
                                 d, k, mg->n, sh->total, expected);
    }
    return LRP_OK;
}

lrp_status eval_resume_init(eval_resume *rs, const char *model, const char *options,
                            cli_shard shard, const cli_inputs *in, char **args, int n_args,
                            lrp_error *err)
{
    run_status *st = &rs->status;
    *st = (run_status){.command = "evaluate",
                       .shard_k = shard.k,
                       .shard_n = shard.n ? shard.n : 1,
                       .total = in->count,
                       .args = args,
                       .n_args = n_args};
    snprintf(st->version, sizeof st->version, "%s", LRP_VERSION);
    lrp_status s = cli_file_hash(model, st->model_hash, err);
    size_t n = strlen(options) + 128;
    if (s == LRP_OK && (!(st->options = strdup(options)) || !(rs->record_options = malloc(n))))
        s = lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
    if (s == LRP_OK)
        snprintf(rs->record_options, n, "onnx-lrp %s; model %s; %s", st->version,
                 st->model_hash, options);
    if (s == LRP_OK && rs->merge)
        s = eval_merge_check(rs->merge, st, in, err);
    rs->t0 = lrp_now_ms();
    char records[4096];
    snprintf(records, sizeof records, "%s/records", rs->out_dir ? rs->out_dir : "");
    if (s == LRP_OK && rs->out_dir && !rs->merge &&
        (s = cli_check_out_dir(records, err)) == LRP_OK)
        s = run_status_write(rs->out_dir, st, err);
    return s;
}

void eval_resume_free(eval_resume *rs)
{
    for (int i = 0; i < rs->status.n_failed_files; i++)
        free(rs->status.failed_files[i]);
    free(rs->status.failed_files);
    free(rs->status.options);
    free(rs->record_options);
    memset(rs, 0, sizeof *rs);
}

static bool listed(char **files, int n, const char *path)
{
    for (int i = 0; i < n; i++)
        if (strcmp(files[i], path) == 0)
            return true;
    return false;
}

/* merge: the record from the image's shard, or why there is none. */
static lrp_status lookup_shard(eval_resume *rs, const cli_input *it, int n_methods,
                               eval_scores *s, bool *fatal, lrp_error *err)
{
    const eval_merge *mg = rs->merge;
    int k = it->index % mg->n;
    const run_status *sh = &mg->status[k];
    char why[512] = "";
    eval_record_state rec = eval_record_read(mg->dirs[k], it->stem, it->path,
                                             rs->record_options, it->index, n_methods, s, why,
                                             sizeof why);
    if (rec == EVAL_RECORD_OK)
        return LRP_OK;
    if (rec == EVAL_RECORD_STALE) {
        *fatal = true;
        return lrp_error_set(err, LRP_ERR_ARG, "%s/records/%s.eval: %s", mg->dirs[k], it->stem,
                             why);
    }
    if (listed(sh->failed_files, sh->n_failed_files, it->path))
        return lrp_error_set(err, LRP_ERR_IO, "%s: failed in shard %d/%d (%s)", it->path, k,
                             mg->n, mg->dirs[k]);
    rs->missing++;
    return lrp_error_set(err, LRP_ERR_IO,
                         "%s: missing: shard %d/%d (%s) has no record of it "
                         "(%s, %d of %d images done)",
                         it->path, k, mg->n, mg->dirs[k],
                         sh->finished ? "finished" : "not finished", sh->done, sh->total);
}

lrp_status eval_resume_lookup(eval_resume *rs, const cli_input *it, int n_methods,
                              eval_scores *s, bool *resumed, bool *fatal, lrp_error *err)
{
    *resumed = false;
    *fatal = false;
    if (rs->merge) {
        lrp_status st = lookup_shard(rs, it, n_methods, s, fatal, err);
        *resumed = st == LRP_OK;
        return st;
    }
    if (!rs->out_dir || rs->force)
        return LRP_OK;
    char why[512];
    eval_scores found;
    if (eval_record_read(rs->out_dir, it->stem, it->path, rs->record_options, it->index,
                         n_methods, &found, why, sizeof why) != EVAL_RECORD_OK)
        return LRP_OK; /* absent or stale: computed again, and overwritten */
    eval_scores_free(s);
    *s = found;
    *resumed = true;
    return LRP_OK;
}

lrp_status eval_resume_record(const eval_resume *rs, const cli_input *it, const eval_scores *s,
                              lrp_error *err)
{
    if (!rs->out_dir || rs->merge)
        return LRP_OK;
    return eval_record_write(rs->out_dir, it->stem, it->path, rs->record_options, s, err);
}

lrp_status eval_resume_count(eval_resume *rs, const cli_input *it, bool ok, bool computed,
                             lrp_error *err)
{
    rs->computed += computed;
    lrp_status st = run_status_step(&rs->status, ok ? NULL : it->path, rs->computed,
                                    (lrp_now_ms() - rs->t0) / 1e3, err);
    if (st)
        return st;
    return rs->out_dir && !rs->merge ? run_status_write(rs->out_dir, &rs->status, err) : LRP_OK;
}
