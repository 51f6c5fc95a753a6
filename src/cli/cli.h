/* What the onnx-lrp subcommands share: exit codes, error printing, option
 * parsing, timing and loading an input tensor. */
#ifndef LRP_CLI_CLI_H
#define LRP_CLI_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "lrp.h"
#include "util/error.h"

enum {
    CLI_OK = 0,
    CLI_FAILED = 1,       /* some work failed (e.g. one image of many) */
    CLI_BAD_INPUT = 2,    /* usage error, bad file, unsupported model */
    CLI_NOT_CONSERVED = 3 /* --check-conservation found a leak */
};

/* Writes s with control characters and invalid UTF-8 as \xNN (lrp_text_put_escaped):
 * names come from untrusted files. */
void cli_put_escaped(FILE *f, const char *s);

/* Prints "onnx-lrp: error: <message>" on stderr; returns CLI_BAD_INPUT. */
int cli_fail(const lrp_error *err);

/* Prints "onnx-lrp: note: ..." on stderr for each of the explainer's
 * notes (lrp_explainer_note): once per run, where the run starts. */
void cli_print_notes(const lrp_explainer *e);
/* Prints "onnx-lrp COMMAND: <message> (see 'onnx-lrp COMMAND --help')" on
 * stderr, one line, escaped; returns CLI_BAD_INPUT. */
int cli_usage_error(const char *command, const char *fmt, ...) LRP_PRINTF(2, 3);

/* Option parsing over argv[1..]: options and positionals in any order. */
typedef struct cli_args {
    int argc;
    char **argv;
    int i;
} cli_args;

bool cli_is(const char *arg, const char *name);
/* For "--name VALUE" or "--name=VALUE": stores VALUE, advances. */
bool cli_value(cli_args *a, const char *name, const char **value, int *status);

/* A whole number from 1 to 100000 ("4"), for counts on the command line. */
bool cli_parse_count(const char *s, int *out);
/* Online cores: the default --threads. */
int cli_cores(void);
/* --threads of every command: a whole number from 1 to CLI_MAX_THREADS. */
#define CLI_MAX_THREADS 256
bool cli_parse_threads(const char *s, int *out);
/* The median of v (n >= 1; v is reordered). */
double cli_median(double *v, int n);
/* This process's peak resident memory so far, in MiB. */
double cli_peak_rss_mib(void);

/* Takes "--max-memory SIZE" (e.g. 4G, 512M, 1000000) out of argv, for every
 * command; returns CLI_BAD_INPUT on a bad size. */
int cli_take_max_memory(int *argc, char **argv);
/* Takes "--backend openblas|dnnl" and "--precision f32|bf16" out of argv,
 * for every command (the models loaded below use them, and their
 * explainers); CLI_BAD_INPUT on a name it does not know or a precision the
 * backend or this CPU cannot run (lrp_precision_check). */
int cli_take_backend(int *argc, char **argv);
/* What they chose: the backend's name (the default resolved), the precision. */
const char *cli_backend_name(void);
lrp_precision cli_precision(void);
/* lrp_model_load with the --max-memory limit and the --backend applied. */
lrp_status cli_load_model(const char *path, lrp_model **out, lrp_error *err);

/* The model's number of classes: the last dimension of its output, 0 when
 * that is not static. */
int cli_model_classes(const lrp_model *m);

/* dims = (1, C, H, W) of one input when the model fixes its C, H and W
 * (and a batch of 1 or any), so that an explainer can be made ready for
 * it before the first image (lrp_explainer_warm_up); false otherwise. */
bool cli_one_input_dims(const lrp_model *m, int64_t dims[4]);

/* Reads a float32 .npy of rank 4 (N,C,H,W) into an lrp_array. */
lrp_status cli_read_input(const char *path, lrp_array *out, lrp_error *err);

int cmd_inspect(int argc, char **argv);
int cmd_forward(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_evaluate(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_status(int argc, char **argv);

#endif
