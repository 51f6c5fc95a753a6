/* One image's explain results as a file of its own (OUT/records/<stem>.explain),
 * written after its pictures were renamed into place: a rerun takes it instead
 * of explaining the image again, and merge gathers report.json from them. */
#ifndef LRP_CLI_EXPLAIN_RECORD_H
#define LRP_CLI_EXPLAIN_RECORD_H

#include "cli/eval_record.h"
#include "cli/image_job.h"

/* "onnx-lrp <version>; model <hash>[; labels <hash>]; <args>" into *out
 * (malloc'd): args are the command line after "explain" without the model,
 * the inputs, -o, --threads, --shard and --force (which change no output). */
lrp_status explain_record_options(const explain_opts *o, char **out, lrp_error *err);

/* Writes res (finished: explained, or failed with its error) atomically. */
lrp_status explain_record_write(const char *dir, const cli_input *it, const char *options,
                                const image_result *res, lrp_error *err);

/* Reads the record of it made under exactly 'options' into *res (cleared
 * first; image_result_clear frees it) and *written_in (malloc'd): the -o
 * folder as the run spelled it, which the objects' output paths start with.
 * why says what differs otherwise. */
eval_record_state explain_record_read(const char *dir, const cli_input *it, const char *options,
                                      image_result *res, char **written_in, char *why,
                                      size_t size);

#endif
