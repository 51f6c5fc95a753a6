/* Reading and checking evaluate's --labels-csv. */
#include "cli/labels_csv.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/file.h"
#include "util/error.h"

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* s without surrounding blanks (and the '\r' of CRLF files), in place. */
static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* A whole number >= 0 written in decimal digits only. */
static bool parse_label(const char *s, long *out)
{
    if (!isdigit((unsigned char)*s))
        return false;
    char *end;
    *out = strtol(s, &end, 10);
    return *end == '\0' && *out < 1 << 30;
}

/* One non-blank line into a row; the first line may be the header. */
static lrp_status parse_line(const char *path, char *line, int number, int n_classes,
                             cli_labels_csv *csv, lrp_error *err)
{
    char *comma = strrchr(line, ',');
    if (!comma)
        return lrp_error_set(err, LRP_ERR_PARSE, "%s:%d: expected 'file,label', got '%.100s'",
                             path, number, line);
    *comma = '\0';
    char *name = trim(line), *value = trim(comma + 1);
    long label;
    if (number == 1 && strcasecmp(value, "label") == 0)
        return LRP_OK;
    if (!*name)
        return lrp_error_set(err, LRP_ERR_PARSE, "%s:%d: no file name before the comma", path,
                             number);
    if (!parse_label(value, &label))
        return lrp_error_set(err, LRP_ERR_PARSE,
                             "%s:%d: label '%.100s' is not a whole number "
                             ">= 0",
                             path, number, value);
    if (n_classes > 0 && label >= n_classes)
        return lrp_error_set(err, LRP_ERR_ARG,
                             "%s:%d: label %ld is out of range: the model has "
                             "%d classes",
                             path, number, label, n_classes);
    csv->rows[csv->n_rows++] = (cli_label_row){base_name(name), (int)label, number};
    return LRP_OK;
}

static int by_name(const void *a, const void *b)
{
    const cli_label_row *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : x->line - y->line;
}

/* Sorts the rows; one name with two labels is an error, twice the same
 * label is kept once. */
static lrp_status sort_rows(const char *path, cli_labels_csv *csv, lrp_error *err)
{
    qsort(csv->rows, (size_t)csv->n_rows, sizeof *csv->rows, by_name);
    int kept = 0;
    for (int i = 0; i < csv->n_rows; i++) {
        const cli_label_row *r = &csv->rows[i], *prev = kept ? &csv->rows[kept - 1] : NULL;
        if (prev && strcmp(prev->name, r->name) == 0) {
            if (prev->label != r->label)
                return lrp_error_set(err, LRP_ERR_PARSE,
                                     "%s:%d: '%.200s' has label %d here "
                                     "and %d on line %d",
                                     path, r->line, r->name, r->label, prev->label, prev->line);
            continue;
        }
        csv->rows[kept++] = *r;
    }
    csv->n_rows = kept;
    return LRP_OK;
}

lrp_status cli_labels_csv_read(const char *path, int n_classes, cli_labels_csv *out,
                               lrp_error *err)
{
    memset(out, 0, sizeof *out);
    void *buf;
    size_t size;
    lrp_status st = lrp_read_file(path, (size_t)256 << 20, &buf, &size, err);
    if (st)
        return st;
    out->text = buf;
    size_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += out->text[i] == '\n';
    if (strlen(out->text) != size)
        st = lrp_error_set(err, LRP_ERR_PARSE, "%s: not a text file (a NUL byte)", path);
    else if (!(out->rows = calloc(lines, sizeof *out->rows)))
        st = lrp_error_set(err, LRP_ERR_NOMEM, "out of memory reading %s", path);
    char *line = out->text + (strncmp(out->text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0); /* BOM */
    for (int number = 1; st == LRP_OK && line; number++) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (*trim(line))
            st = parse_line(path, line, number, n_classes, out, err);
        line = next;
    }
    if (st == LRP_OK)
        st = sort_rows(path, out, err);
    if (st)
        cli_labels_csv_free(out);
    return st;
}

int cli_labels_csv_find(const cli_labels_csv *csv, const char *path)
{
    const char *name = base_name(path);
    int lo = 0, hi = csv->n_rows;
    while (lo < hi) { /* the first row whose name is >= name */
        int mid = lo + (hi - lo) / 2;
        if (strcmp(csv->rows[mid].name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < csv->n_rows && strcmp(csv->rows[lo].name, name) == 0 ? csv->rows[lo].label : -1;
}

void cli_labels_csv_free(cli_labels_csv *csv)
{
    free(csv->rows);
    free(csv->text);
    memset(csv, 0, sizeof *csv);
}
