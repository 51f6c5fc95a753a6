/* evaluate --labels-csv: "file,label" lines read and checked once, before
 * any image is explained; images are matched by file name. */
#ifndef LRP_CLI_LABELS_CSV_H
#define LRP_CLI_LABELS_CSV_H

#include "lrp.h"

typedef struct cli_label_row {
    const char *name; /* the file name, without folders; points into text */
    int label;
    int line; /* 1-based, for messages */
} cli_label_row;

typedef struct cli_labels_csv {
    char *text;          /* the file, cut into names */
    cli_label_row *rows; /* sorted by name, names distinct */
    int n_rows;
} cli_labels_csv;

/* Reads 'path': one "file,label" a line (the last comma splits; blank lines
 * and a first line "file,label" are skipped). Fails naming the file and line
 * on a malformed line, a label that is not a whole number in [0, n_classes)
 * (n_classes <= 0: unknown, only >= 0 is checked), or one file name with two
 * labels. On success the caller frees *out with cli_labels_csv_free. */
lrp_status cli_labels_csv_read(const char *path, int n_classes, cli_labels_csv *out,
                               lrp_error *err);
/* The label of the image at 'path' (matched by file name), or -1. */
int cli_labels_csv_find(const cli_labels_csv *csv, const char *path);
void cli_labels_csv_free(cli_labels_csv *csv);

#endif
