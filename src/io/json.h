/* Tiny streaming JSON writer to a FILE*: commas, indentation and string
 * escaping are handled here; callers just emit keys and values in order. */
#ifndef LRP_IO_JSON_H
#define LRP_IO_JSON_H

#include <stdint.h>
#include <stdio.h>

#define LRP_JSON_MAX_DEPTH 32

typedef struct lrp_json {
    FILE *f;
    int depth;                              /* open containers, 0 = top level */
    int need_comma[LRP_JSON_MAX_DEPTH + 1]; /* per depth: a value was written */
    int pretty;                             /* 1: newlines + 2-space indent; 0: compact */
    int after_key;                          /* next value follows "key": directly */
    int failed;                             /* misuse: too deep or unbalanced */
} lrp_json;

void lrp_json_init(lrp_json *j, FILE *f, int pretty);

void lrp_json_begin_object(lrp_json *j);
void lrp_json_end_object(lrp_json *j);
void lrp_json_begin_array(lrp_json *j);
void lrp_json_end_array(lrp_json *j);

/* Object key; the next call writes its value. */
void lrp_json_key(lrp_json *j, const char *key);

/* Escapes '"', '\\' and control characters (C1 too); valid UTF-8 passes
 * through, each byte of invalid UTF-8 becomes the text \xNN (so the output
 * is always valid JSON). NULL is written as null. */
void lrp_json_string(lrp_json *j, const char *s);
void lrp_json_int(lrp_json *j, int64_t v);
/* Shortest round-trip form; NaN and infinities are written as null. */
void lrp_json_double(lrp_json *j, double v);
void lrp_json_float(lrp_json *j, float v);
void lrp_json_bool(lrp_json *j, int v);
void lrp_json_null(lrp_json *j);
/* A value already serialized (by another lrp_json), written as is. */
void lrp_json_raw(lrp_json *j, const char *json);

/* 1 if nothing was misused and the stream reports no error so far. */
int lrp_json_ok(const lrp_json *j);

#endif /* LRP_IO_JSON_H */
