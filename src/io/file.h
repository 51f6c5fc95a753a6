/* Whole-file reading with a size limit and messages that name the path. */
#ifndef LRP_IO_FILE_H
#define LRP_IO_FILE_H

#include <stddef.h>

#include "lrp.h"

/* *buf is malloc'd (caller frees), NUL-terminated past *size. */
lrp_status lrp_read_file(const char *path, size_t max_size, void **buf, size_t *size,
                         lrp_error *err);

#endif
