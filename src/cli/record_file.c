/* The line reader behind eval_record.c and explain_record.c. */
#include "cli/record_file.h"

#include <stdlib.h>
#include <string.h>

bool record_open(record_reader *rd, const char *path)
{
    memset(rd, 0, sizeof *rd);
    return (rd->f = fopen(path, "r")) != NULL;
}

void record_close(record_reader *rd)
{
    if (rd->f)
        fclose(rd->f);
    free(rd->line);
    memset(rd, 0, sizeof *rd);
}

char *record_line(record_reader *rd)
{
    ssize_t n = getline(&rd->line, &rd->cap, rd->f);
    if (n < 0)
        return NULL;
    if (n > 0 && rd->line[n - 1] == '\n')
        rd->line[n - 1] = '\0';
    return rd->line;
}

const char *record_keyed(record_reader *rd, const char *key)
{
    const char *l = record_line(rd);
    size_t n = strlen(key);
    return l && strncmp(l, key, n) == 0 && l[n] == ' ' ? l + n + 1 : NULL;
}

bool record_keyed_int(record_reader *rd, const char *key, int *v)
{
    const char *s = record_keyed(rd, key);
    char *end;
    long x = s ? strtol(s, &end, 10) : 0;
    if (!s || end == s || *end)
        return false;
    *v = (int)x;
    return true;
}
