/* One image's evaluate results as a file of its own (OUT/records/<stem>.eval),
 * so a rerun or another node can take them instead of computing them again:
 * the resumable and mergeable unit of a sharded evaluation. */
#ifndef LRP_CLI_EVAL_RECORD_H
#define LRP_CLI_EVAL_RECORD_H

#include <stdbool.h>

#include "cli/method_spec.h"
#include "eval/insdel.h"
#include "lrp.h"

/* Everything one image contributes to evaluate.json and curves.svg. */
typedef struct eval_scores {
    int index; /* in the whole input list: seeds random */
    int label, predicted;
    int n_methods;
    double cons[CLI_MAX_METHODS];    /* conservation error per method */
    double r_in[CLI_MAX_METHODS];    /* Σ input relevance (Fig. 5), NaN for random */
    double prob[CLI_MAX_METHODS];    /* p(target), the x of Fig. 5; NaN for random */
    double seconds[CLI_MAX_METHODS]; /* explanation time; NaN when read back */
    long forwards[CLI_MAX_METHODS], backwards[CLI_MAX_METHODS]; /* its passes */
    lrp_insdel_result res[CLI_MAX_METHODS]; /* curves and AUCs per method (owned) */
} eval_scores;

void eval_scores_free(eval_scores *s);

/* "fnv1a64:<16 hex digits>" of the file's bytes into out (at least 25
 * bytes): tells models (or label files) apart, not an integrity seal. */
lrp_status cli_file_hash(const char *path, char *out, lrp_error *err);

/* "<dir>/records/<stem>.eval" into path (size bytes); false when too long. */
bool eval_record_path(const char *dir, const char *stem, char *path, size_t size);

/* Writes s for image 'file' under the run's options string, atomically: a
 * record is either whole or absent, never half. <dir>/records must exist. */
lrp_status eval_record_write(const char *dir, const char *stem, const char *file,
                             const char *options, const eval_scores *s, lrp_error *err);

typedef enum eval_record_state {
    EVAL_RECORD_OK,     /* read into *s */
    EVAL_RECORD_ABSENT, /* no such file */
    EVAL_RECORD_STALE   /* other options, index, file or methods, or unreadable: why says */
} eval_record_state;

/* Reads the record of image 'file' (index, n_methods methods) when it was
 * written under exactly 'options'; why (size bytes) says what differs. */
eval_record_state eval_record_read(const char *dir, const char *stem, const char *file,
                                   const char *options, int index, int n_methods,
                                   eval_scores *s, char *why, size_t size);

#endif
