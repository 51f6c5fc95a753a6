/* The multipass methods' options (--ig-steps, --sg-noise, --rise-masks,
 * ...), shared by explain and evaluate. */
#ifndef LRP_CLI_METHOD_OPTIONS_H
#define LRP_CLI_METHOD_OPTIONS_H

#include "cli/cli.h"
#include "explain/multipass.h"

/* Takes one such option at a->argv[a->i] into p: true when it was one
 * (*status then CLI_OK or CLI_BAD_INPUT after a usage message naming it);
 * *given gets its bit. */
bool cli_method_option(const char *command, cli_args *a, lrp_method_params *p, unsigned *given,
                       int *status);

/* CLI_OK when every option in 'given' is for a method of 'methods' (a
 * comma-separated list of entries PRESET[:SPLIT][+hq]); else a usage
 * error naming the option and the methods it is for. */
int cli_method_options_check(const char *command, unsigned given, const char *methods);

/* "; ig-steps=32; ..." (every option's value) into buf as snprintf writes:
 * what a record's numbers depend on. */
size_t cli_method_params_string(const lrp_method_params *p, char *buf, size_t size);

/* Their lines for --help. */
extern const char cli_method_options_help[];

#endif
