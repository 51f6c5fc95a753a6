/* The status file of one evaluate run or shard (OUT/status): progress that
 * `onnx-lrp status` reads from outside, and what `onnx-lrp merge` needs to
 * check and rebuild the run (shard, version, model hash, options, the
 * command line, the images that failed). */
#ifndef LRP_CLI_RUN_STATUS_H
#define LRP_CLI_RUN_STATUS_H

#include <stdbool.h>

#include "lrp.h"

typedef struct run_status {
    char command[16];        /* "evaluate" or "explain" */
    int shard_k, shard_n;    /* shard k of n; 0/1 for a whole run */
    int done, total, failed; /* this shard's images: done includes failed */
    double rate;             /* images/s of the images computed (not resumed) here */
    double eta_s;            /* seconds left at that rate */
    bool finished;
    char version[32];
    char model_hash[32]; /* cli_file_hash of the model */
    char *options;       /* the run's canonical options (cmd_evaluate.c) */
    char **args;         /* the evaluate command line after "evaluate" */
    int n_args;
    char **failed_files; /* images that failed, in input order */
    int n_failed_files;
} run_status;

/* One more image done: failed_file names it when it failed; computed of
 * the images so far were computed (not resumed) in the seconds since the
 * run started: the rate, the ETA and finished follow. */
lrp_status run_status_step(run_status *s, const char *failed_file, int computed, double seconds,
                           lrp_error *err);

/* <dir>/status, atomically (a reader sees the previous or the new one). */
lrp_status run_status_write(const char *dir, const run_status *s, lrp_error *err);
/* Reads <dir>/status into *s (the caller's, run_status_free). */
lrp_status run_status_read(const char *dir, run_status *s, lrp_error *err);
void run_status_free(run_status *s);

#endif
