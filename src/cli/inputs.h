/* Turning the command line's image arguments (files, directories, @lists)
 * into one ordered list of image paths with distinct output stems. */
#ifndef LRP_CLI_INPUTS_H
#define LRP_CLI_INPUTS_H

#include "lrp.h"

typedef struct cli_input {
    char *path;
    char *stem; /* output file prefix, unique within the list */
    int index;  /* position in the whole expanded list, kept by cli_inputs_shard */
} cli_input;

typedef struct cli_inputs {
    cli_input *items;
    int count, cap;
} cli_inputs;

/* Appends every image named by args: a file as is, a directory's image
 * files (by extension, sorted by name; others are reported on stderr and
 * skipped), and the lines of @list.txt (each again a file or directory). */
lrp_status cli_inputs_expand(char **args, int n_args, cli_inputs *out, lrp_error *err);
/* Keeps the first n inputs (and frees the others). */
void cli_inputs_truncate(cli_inputs *in, int n);
/* Keeps shard k of n: the inputs whose index mod n is k (and frees the
 * others); paths, stems and indices stay those of the whole list. */
void cli_inputs_shard(cli_inputs *in, int k, int n);
void cli_inputs_free(cli_inputs *in);

#endif
