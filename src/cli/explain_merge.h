/* onnx-lrp merge for explain shards: each image's record from its shard's
 * folder, its pictures linked into the merged folder and its report.json
 * objects pointed at them, so report.json is the single run's. */
#ifndef LRP_CLI_EXPLAIN_MERGE_H
#define LRP_CLI_EXPLAIN_MERGE_H

#include "cli/eval_resume.h"
#include "cli/image_job.h"

/* The record of 'it' from shard it->index mod n into *res; an absent or
 * stale record fails with a message naming the image, the shard and its
 * folder (*stale: made under other options, the shard is refused). */
lrp_status explain_merge_read(const eval_merge *mg, const cli_input *it, const char *options,
                              image_result *res, char **written_in, bool *stale,
                              lrp_error *err);

/* Hard-links (or copies) res's outputs from the shard's folder into out_dir,
 * atomically each, and rewrites its objects' output paths from written_in
 * to out_dir. */
lrp_status explain_merge_outputs(const eval_merge *mg, const cli_input *it, const char *out_dir,
                                 const char *written_in, image_result *res, lrp_error *err);

#endif
