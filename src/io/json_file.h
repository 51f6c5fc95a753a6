/* A JSON document built in memory and written to its file atomically, so
 * report.json and evaluate.json are never seen half-written. */
#ifndef LRP_IO_JSON_FILE_H
#define LRP_IO_JSON_FILE_H

#include "io/json.h"
#include "lrp.h"

typedef struct lrp_json_file {
    lrp_json j; /* write the document here */
    FILE *f;
    char *buf;
    size_t size;
} lrp_json_file;

/* 'path' only names the file in the out-of-memory message. */
lrp_status lrp_json_file_open(lrp_json_file *jf, const char *path, lrp_error *err);
/* Ends the document with a newline, writes it to path (temporary name,
 * then rename) and frees it, whether or not the write succeeds. */
lrp_status lrp_json_file_commit(lrp_json_file *jf, const char *path, lrp_error *err);

#endif
