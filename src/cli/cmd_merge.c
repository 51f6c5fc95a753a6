/* onnx-lrp merge: the shards of an evaluate or explain --shard run joined
 * into what one process writes, by running that command again with every
 * image taken from its shard's record (the same code writes the same bytes). */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/evaluate.h"
#include "cli/explain.h"
#include "util/error.h"

static const char help[] =
    "usage: onnx-lrp merge OUT_DIR SHARD_DIR...\n"
    "\n"
    "Joins the output folders of 'onnx-lrp evaluate --shard K/N -o SHARD_DIR' (all N\n"
    "of them) into OUT_DIR/evaluate.json and OUT_DIR/curves.svg, exactly as one\n"
    "'onnx-lrp evaluate' over all the images writes them, and prints its table.\n"
    "Shards of 'onnx-lrp explain' give OUT_DIR/report.json (the single run's but for\n"
    "the timings forward_ms and explain_ms) and their pictures, linked into OUT_DIR.\n"
    "Computes nothing: refuses shards made by another onnx-lrp version, with another\n"
    "model file (by its hash) or other options, names every missing shard and every\n"
    "image no shard has a record of, and then writes nothing. Run it where the shards\n"
    "ran: it reads the model and the inputs by the paths they were given.\n";

/* dirs[k] for shard k of n from the status files; CLI_OK or a usage error. */
static int order_shards(char **dirs, int n_dirs, run_status *st, const char **by_k)
{
    int n = st[0].shard_n;
    for (int d = 0; d < n_dirs; d++) {
        const run_status *s = &st[d];
        if (s->shard_n != n)
            return cli_usage_error("merge", "%s: shard %d/%d, but %s is a shard of %d", dirs[d],
                                   s->shard_k, s->shard_n, dirs[0], n);
        if (by_k[s->shard_k])
            return cli_usage_error("merge", "shard %d/%d given twice: %s and %s", s->shard_k, n,
                                   by_k[s->shard_k], dirs[d]);
        by_k[s->shard_k] = dirs[d];
    }
    char missing[1024] = "";
    size_t len = 0;
    for (int k = 0; k < n && len < sizeof missing; k++)
        if (!by_k[k])
            len += (size_t)snprintf(missing + len, sizeof missing - len, "%s%d/%d",
                                    len ? ", " : "", k, n);
    return len ? cli_usage_error("merge",
                                 "missing shard %s: none of the %d SHARD_DIRs holds "
                                 "it",
                                 missing, n_dirs)
               : CLI_OK;
}

/* The first shard's command and options, without --shard, + "-o OUT_DIR". */
static char **merge_argv(const run_status *first, char *out_dir, int *argc)
{
    char **argv = calloc((size_t)first->n_args + 4, sizeof *argv);
    if (!argv)
        return NULL;
    int n = 0;
    argv[n++] = (char *)first->command;
    for (int i = 0; i < first->n_args; i++) {
        const char *a = first->args[i];
        if (strcmp(a, "--shard") == 0)
            i++;
        else if (strncmp(a, "--shard=", 8) != 0)
            argv[n++] = first->args[i];
    }
    argv[n++] = "-o";
    argv[n++] = out_dir;
    *argc = n;
    return argv;
}

static int merge(char *out_dir, char **dirs, int n_dirs)
{
    run_status *st = calloc((size_t)n_dirs, sizeof *st);
    if (!st)
        return CLI_BAD_INPUT;
    lrp_error err = {0};
    int status = CLI_OK, read = 0;
    for (; read < n_dirs && !status; read++)
        if (run_status_read(dirs[read], &st[read], &err))
            status = cli_fail(&err);
    const char **by_k = status ? NULL : calloc((size_t)st[0].shard_n, sizeof *by_k);
    run_status *by_k_status = by_k ? calloc((size_t)st[0].shard_n, sizeof *by_k_status) : NULL;
    if (!status && !by_k_status)
        status = CLI_BAD_INPUT;
    if (!status && !(status = order_shards(dirs, n_dirs, st, by_k))) {
        for (int d = 0; d < n_dirs; d++)
            by_k_status[st[d].shard_k] = st[d]; /* shallow: st keeps ownership */
        eval_merge mg = {.n = st[0].shard_n, .dirs = by_k, .status = by_k_status};
        int argc = 0;
        char **argv = merge_argv(&st[0], out_dir, &argc);
        bool explain = strcmp(st[0].command, "explain") == 0;
        status = !argv     ? CLI_BAD_INPUT
                 : explain ? cli_explain_main(argc, argv, &mg)
                           : cli_evaluate_main(argc, argv, &mg);
        free(argv);
    }
    for (int d = 0; d < read; d++)
        run_status_free(&st[d]);
    free(by_k_status);
    free(by_k);
    free(st);
    return status;
}

int cmd_merge(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (cli_is(argv[i], "--help") || cli_is(argv[i], "-h")) {
            fputs(help, stdout);
            return CLI_OK;
        }
        if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error("merge", "unknown option '%s'", argv[i]);
    }
    if (argc < 3)
        return cli_usage_error("merge", "need OUT_DIR and at least one SHARD_DIR");
    return merge(argv[1], argv + 2, argc - 2);
}
