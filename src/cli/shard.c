/* Parsing --shard, from the option or Slurm's job array variables. */
#include "cli/shard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* A whole number from 0 to 100000, all of s. */
static bool parse_index(const char *s, int *out)
{
    char *end;
    long v = s && *s >= '0' && *s <= '9' ? strtol(s, &end, 10) : -1;
    if (v < 0 || v > 100000 || *end)
        return false;
    *out = (int)v;
    return true;
}

static int from_slurm(const char *command, cli_shard *out)
{
    const char *id = getenv("SLURM_ARRAY_TASK_ID"), *count = getenv("SLURM_ARRAY_TASK_COUNT");
    const char *min = getenv("SLURM_ARRAY_TASK_MIN");
    int task, n, first = 0;
    if (!parse_index(id, &task) || !parse_index(count, &n) ||
        (min && !parse_index(min, &first)))
        return cli_usage_error(command,
                               "--shard auto needs SLURM_ARRAY_TASK_ID and "
                               "SLURM_ARRAY_TASK_COUNT (a Slurm job array), not '%s' and '%s'",
                               id ? id : "unset", count ? count : "unset");
    if (n < 1 || task < first || task - first >= n)
        return cli_usage_error(command,
                               "--shard auto: task %d of a %d-task array from %d is "
                               "not in 0..%d: use --array=0-%d (no step)",
                               task, n, first, n - 1, n - 1);
    *out = (cli_shard){task - first, n};
    return CLI_OK;
}

int cli_parse_shard(const char *command, const char *value, cli_shard *out)
{
    if (strcmp(value, "auto") == 0)
        return from_slurm(command, out);
    char k[16], n[16];
    const char *slash = strchr(value, '/');
    size_t len = slash ? (size_t)(slash - value) : 0;
    int kk = 0, nn = 0;
    bool ok = slash && len < sizeof k && strlen(slash + 1) < sizeof n;
    if (ok) {
        memcpy(k, value, len);
        k[len] = '\0';
        snprintf(n, sizeof n, "%s", slash + 1);
        ok = parse_index(k, &kk) && parse_index(n, &nn) && nn >= 1 && kk < nn;
    }
    if (!ok)
        return cli_usage_error(command,
                               "--shard takes K/N with 0 <= K < N (e.g. 0/4) or "
                               "auto, not '%s'",
                               value);
    *out = (cli_shard){kk, nn};
    return CLI_OK;
}
