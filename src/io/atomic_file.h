/* Writing a file so that readers never see half of it: the data goes to a
 * unique temporary file beside the target, which is renamed into place. */
#ifndef LRP_IO_ATOMIC_FILE_H
#define LRP_IO_ATOMIC_FILE_H

#include <stdio.h>

#include "lrp.h"

typedef struct lrp_atomic_file {
    FILE *f;    /* write here */
    char *path; /* the target */
    char *tmp;  /* "<path>.tmp-XXXXXX" */
} lrp_atomic_file;

/* Creates the temporary file (mkstemp: unique even across threads). */
lrp_status lrp_atomic_open(const char *path, lrp_atomic_file *af, lrp_error *err);
/* Flushes, closes and renames it over the target; on any failure the
 * temporary file is removed and the target left as it was. */
lrp_status lrp_atomic_commit(lrp_atomic_file *af, lrp_error *err);
/* Closes and removes the temporary file (after a failed write). */
void lrp_atomic_abort(lrp_atomic_file *af);

/* The whole of buf (size bytes) to 'path', atomically. */
lrp_status lrp_write_file_atomic(const char *path, const void *buf, size_t size,
                                 lrp_error *err);

#endif
