/* Tiny streaming JSON writer: tracks per-depth "a value came before" flags
 * so commas and pretty-print newlines are inserted automatically. */
#include "io/json.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

void lrp_json_init(lrp_json *j, FILE *f, int pretty)
{
    memset(j, 0, sizeof *j);
    j->f = f;
    j->pretty = pretty;
}

static void newline_indent(lrp_json *j)
{
    fputc('\n', j->f);
    for (int i = 0; i < j->depth; i++)
        fputs("  ", j->f);
}

/* Separator before a key or value. Top-level values are separated by
 * newlines (JSON Lines) since a comma there would be invalid. */
static void lead(lrp_json *j)
{
    if (j->after_key) {
        j->after_key = 0;
        return;
    }
    if (j->need_comma[j->depth])
        fputc(j->depth ? ',' : '\n', j->f);
    if (j->pretty && j->depth)
        newline_indent(j);
    j->need_comma[j->depth] = 1;
}

static void open_container(lrp_json *j, char ch)
{
    lead(j);
    fputc(ch, j->f);
    if (j->depth == LRP_JSON_MAX_DEPTH) {
        j->failed = 1;
        return;
    }
    j->need_comma[++j->depth] = 0;
}

/* Empty containers stay "{}" / "[]" even when pretty. */
static void close_container(lrp_json *j, char ch)
{
    if (j->depth == 0 || j->after_key) {
        j->failed = 1;
        return;
    }
    int had_items = j->need_comma[j->depth--];
    if (j->pretty && had_items)
        newline_indent(j);
    fputc(ch, j->f);
}

void lrp_json_begin_object(lrp_json *j)
{
    open_container(j, '{');
}
void lrp_json_end_object(lrp_json *j)
{
    close_container(j, '}');
}
void lrp_json_begin_array(lrp_json *j)
{
    open_container(j, '[');
}
void lrp_json_end_array(lrp_json *j)
{
    close_container(j, ']');
}

/* One character of len bytes (lrp_utf8_len; 0 = an invalid byte). Control
 * characters keep their value as \u escapes; JSON cannot hold an invalid
 * byte, which becomes the text \xNN, as in every other output. */
static void write_char(FILE *f, const char *s, int len)
{
    unsigned char c = (unsigned char)s[0];
    if (len == 0)
        fprintf(f, "\\\\x%02x", c);
    else if (c == '"' || c == '\\')
        fprintf(f, "\\%c", c);
    else if (c == '\n' || c == '\r' || c == '\t')
        fputs(c == '\n' ? "\\n" : c == '\r' ? "\\r" : "\\t", f);
    else if (lrp_utf8_is_control(s, len))
        fprintf(f, "\\u%04x", len == 1 ? c : (unsigned char)s[1]);
    else
        fwrite(s, 1, (size_t)len, f);
}

static void write_escaped(FILE *f, const char *s)
{
    fputc('"', f);
    while (*s) {
        int len = lrp_utf8_len(s);
        write_char(f, s, len);
        s += len ? len : 1;
    }
    fputc('"', f);
}

void lrp_json_key(lrp_json *j, const char *key)
{
    lead(j);
    write_escaped(j->f, key ? key : "");
    fputs(j->pretty ? ": " : ":", j->f);
    j->after_key = 1;
}

void lrp_json_string(lrp_json *j, const char *s)
{
    lead(j);
    if (s)
        write_escaped(j->f, s);
    else
        fputs("null", j->f);
}

void lrp_json_int(lrp_json *j, int64_t v)
{
    lead(j);
    fprintf(j->f, "%" PRId64, v);
}

/* A locale with a decimal comma would make printf emit "0,5"; JSON needs '.'. */
static void fix_decimal_point(char *buf)
{
    for (; *buf; buf++)
        if (*buf == ',')
            *buf = '.';
}

/* Fewest digits in [lo, hi] (%g precision) that read back to the same value;
 * 'single' compares as float. */
static void write_number(lrp_json *j, double v, int lo, int hi, int single)
{
    char buf[40];
    lead(j);
    if (!isfinite(v)) {
        fputs("null", j->f);
        return;
    }
    for (int prec = lo; prec <= hi; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (single ? strtof(buf, NULL) == (float)v : strtod(buf, NULL) == v)
            break;
    }
    fix_decimal_point(buf);
    fputs(buf, j->f);
}

void lrp_json_double(lrp_json *j, double v)
{
    write_number(j, v, 15, 17, 0);
}
void lrp_json_float(lrp_json *j, float v)
{
    write_number(j, v, 6, 9, 1);
}

void lrp_json_bool(lrp_json *j, int v)
{
    lead(j);
    fputs(v ? "true" : "false", j->f);
}

void lrp_json_null(lrp_json *j)
{
    lead(j);
    fputs("null", j->f);
}

int lrp_json_ok(const lrp_json *j)
{
    return !j->failed && !ferror(j->f);
}

void lrp_json_raw(lrp_json *j, const char *json)
{
    lead(j);
    fputs(json, j->f);
}
