/* --shard K/N|auto of explain and evaluate: which part of the sorted input
 * list this process takes (the inputs whose index mod N is K). */
#ifndef LRP_CLI_SHARD_H
#define LRP_CLI_SHARD_H

typedef struct cli_shard {
    int k, n; /* n == 0: no --shard, the whole list (written as 0/1) */
} cli_shard;

/* "K/N" (0 <= K < N <= 100000) or "auto": K = SLURM_ARRAY_TASK_ID -
 * SLURM_ARRAY_TASK_MIN, N = SLURM_ARRAY_TASK_COUNT. CLI_OK, or a usage
 * error naming the option, the value and the variables. */
int cli_parse_shard(const char *command, const char *value, cli_shard *out);

#endif
