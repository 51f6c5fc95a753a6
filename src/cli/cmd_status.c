/* onnx-lrp status: how far evaluate runs or shards are, from their status
 * files, one line each and the sum. */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/run_status.h"

static const char help[] =
    "usage: onnx-lrp status OUT_DIR...\n"
    "\n"
    "Reads OUT_DIR/status of 'onnx-lrp evaluate -o OUT_DIR' runs (shards or not)\n"
    "and prints one line per folder (shard, images done of its total, failures,\n"
    "images/s of the images it computed, ETA or finished), then their sum: the\n"
    "rates added, the ETA of the slowest.\n";

static void print_line(const char *name, int done, int total, int failed, double rate,
                       double eta, bool finished)
{
    printf("%s: %d/%d images", name, done, total);
    if (failed)
        printf(", %d failed", failed);
    printf(", %.2f images/s, %s", rate, finished ? "finished" : "running");
    if (!finished)
        printf(", ETA %.0f s", eta);
    putchar('\n');
}

int cmd_status(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (cli_is(argv[i], "--help") || cli_is(argv[i], "-h")) {
            fputs(help, stdout);
            return CLI_OK;
        }
    if (argc < 2)
        return cli_usage_error("status", "need at least one OUT_DIR");
    int done = 0, total = 0, failed = 0, finished = 0;
    double rate = 0, eta = 0;
    for (int i = 1; i < argc; i++) {
        run_status s;
        lrp_error err = {0};
        if (run_status_read(argv[i], &s, &err))
            return cli_fail(&err);
        char name[4200];
        snprintf(name, sizeof name, "shard %d/%d %s", s.shard_k, s.shard_n, argv[i]);
        print_line(name, s.done, s.total, s.failed, s.rate, s.eta_s, s.finished);
        done += s.done;
        total += s.total;
        failed += s.failed;
        finished += s.finished;
        rate += s.rate;
        eta = !s.finished && s.eta_s > eta ? s.eta_s : eta;
        run_status_free(&s);
    }
    print_line("all", done, total, failed, rate, eta, finished == argc - 1);
    return CLI_OK;
}
