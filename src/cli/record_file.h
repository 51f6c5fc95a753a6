/* Reading the line-based record and status files of sharded runs: "key
 * value" lines, read one at a time (getline, so lines have no length limit). */
#ifndef LRP_CLI_RECORD_FILE_H
#define LRP_CLI_RECORD_FILE_H

#include <stdbool.h>
#include <stdio.h>

typedef struct record_reader {
    FILE *f;
    char *line; /* the current line, without its newline; valid until the next read */
    size_t cap;
} record_reader;

/* false when path cannot be opened. */
bool record_open(record_reader *rd, const char *path);
void record_close(record_reader *rd);
/* The next line, or NULL at the end. */
char *record_line(record_reader *rd);
/* The next line's value when it is "<key> <value>", else NULL. */
const char *record_keyed(record_reader *rd, const char *key);
/* The same, for a whole decimal number. */
bool record_keyed_int(record_reader *rd, const char *key, int *v);

#endif
