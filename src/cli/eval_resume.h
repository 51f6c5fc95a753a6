/* What makes evaluate resumable and mergeable: each image's record is
 * looked up before it is computed (in OUT/records, or in its shard's
 * directory for merge) and written as soon as it is done, and OUT/status
 * follows the run. */
#ifndef LRP_CLI_EVAL_RESUME_H
#define LRP_CLI_EVAL_RESUME_H

#include <stdbool.h>

#include "cli/eval_record.h"
#include "cli/inputs.h"
#include "cli/run_status.h"
#include "cli/shard.h"

/* merge: where the records of each shard are. */
typedef struct eval_merge {
    int n;              /* shards */
    const char **dirs;  /* dirs[k]: the directory of shard k */
    run_status *status; /* status[k]: its status file */
} eval_merge;

/* Each shard of mg made by the same command, version, model (hash) and
 * options as me, over the images that shard k of n takes from 'in' (the
 * whole list); the message names the shard's folder and what differs. */
lrp_status eval_merge_check(const eval_merge *mg, const run_status *me, const cli_inputs *in,
                            lrp_error *err);

typedef struct eval_resume {
    const char *out_dir;     /* records and status go here; NULL: neither */
    bool force;              /* do not reuse the records in out_dir */
    const eval_merge *merge; /* non-NULL: every image from its shard, none computed */
    char *record_options;    /* version, model hash and options: what a record matches */
    run_status status;       /* this run's, rewritten after every image */
    double t0;
    int computed, missing; /* images computed here; merge: images no shard has */
} eval_resume;

/* For a run over 'in' (this shard's images) of 'model' under 'options' (the
 * canonical string of everything the results depend on), invoked as
 * args (n_args, after "evaluate"). In merge, checks that every shard was
 * made by this version, with this model file and these options, over the
 * same images; the message names the shard's directory and what differs. */
lrp_status eval_resume_init(eval_resume *rs, const char *model, const char *options,
                            cli_shard shard, const cli_inputs *in, char **args, int n_args,
                            lrp_error *err);
void eval_resume_free(eval_resume *rs);

/* *resumed: s was read from the image's record. Not resumed and LRP_OK:
 * compute it. In merge an absent record fails the image (named, counted
 * in missing) and a record of other options fails the run (*fatal). */
lrp_status eval_resume_lookup(eval_resume *rs, const cli_input *it, int n_methods,
                              eval_scores *s, bool *resumed, bool *fatal, lrp_error *err);
/* Writes the record of a computed image (nothing without out_dir or in merge). */
lrp_status eval_resume_record(const eval_resume *rs, const cli_input *it, const eval_scores *s,
                              lrp_error *err);
/* One more image done (ok: evaluated; computed: here, not resumed), and
 * the status file rewritten; finished when the last one is. */
lrp_status eval_resume_count(eval_resume *rs, const cli_input *it, bool ok, bool computed,
                             lrp_error *err);

#endif
