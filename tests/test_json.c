/* Tests for src/io/json.c: output is captured in a tmpfile() and compared
 * with expected text (escaping, nesting, commas, numbers, pretty/compact). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "io/json.h"

#include "check.h"

/* Run 'emit' on a fresh writer and compare everything written with 'want'. */
static void expect(const char *label, void (*emit)(lrp_json *), int pretty, const char *want,
                   int want_ok)
{
    static char got[4096];
    FILE *f = tmpfile();
    lrp_json j;
    size_t n = 0;
    if (!f) {
        fprintf(stderr, "%s: tmpfile() failed\n", label);
        failures++;
        return;
    }
    lrp_json_init(&j, f, pretty);
    emit(&j);
    int ok = lrp_json_ok(&j);
    rewind(f);
    n = fread(got, 1, sizeof got - 1, f);
    got[n] = '\0';
    fclose(f);
    if (strcmp(got, want) != 0 || ok != want_ok) {
        fprintf(stderr, "%s (%s): got ok=%d\n%s\nwant ok=%d\n%s\n", label,
                pretty ? "pretty" : "compact", ok, got, want_ok, want);
        failures++;
    }
}

static void emit_nested(lrp_json *j)
{
    lrp_json_begin_object(j);
    lrp_json_key(j, "a");
    lrp_json_int(j, 1);
    lrp_json_key(j, "b");
    lrp_json_begin_array(j);
    lrp_json_bool(j, 1);
    lrp_json_bool(j, 0);
    lrp_json_null(j);
    lrp_json_begin_object(j);
    lrp_json_key(j, "x");
    lrp_json_string(j, "y");
    lrp_json_end_object(j);
    lrp_json_end_array(j);
    lrp_json_key(j, "c");
    lrp_json_begin_object(j);
    lrp_json_end_object(j);
    lrp_json_key(j, "d");
    lrp_json_begin_array(j);
    lrp_json_end_array(j);
    lrp_json_end_object(j);
}

static void test_nesting(void)
{
    expect("nested", emit_nested, 0,
           "{\"a\":1,\"b\":[true,false,null,{\"x\":\"y\"}],\"c\":{},\"d\":[]}", 1);
    expect("nested", emit_nested, 1,
           "{\n"
           "  \"a\": 1,\n"
           "  \"b\": [\n"
           "    true,\n"
           "    false,\n"
           "    null,\n"
           "    {\n"
           "      \"x\": \"y\"\n"
           "    }\n"
           "  ],\n"
           "  \"c\": {},\n"
           "  \"d\": []\n"
           "}",
           1);
}

static void emit_strings(lrp_json *j)
{
    lrp_json_begin_array(j);
    lrp_json_string(j, "quote\" back\\ nl\n tab\t cr\r");
    lrp_json_string(j, "ctl\x01\x1f\x7f end");
    lrp_json_string(j, "caf\xc3\xa9 \xe2\x82\xac");
    lrp_json_string(j, "");
    lrp_json_string(j, NULL);
    lrp_json_end_array(j);
}

static void test_strings(void)
{
    expect("strings", emit_strings, 0,
           "[\"quote\\\" back\\\\ nl\\n tab\\t cr\\r\","
           "\"ctl\\u0001\\u001f\\u007f end\","
           "\"caf\xc3\xa9 \xe2\x82\xac\",\"\",null]",
           1);
}

static void emit_numbers(lrp_json *j)
{
    lrp_json_begin_array(j);
    lrp_json_double(j, 0.5);
    lrp_json_double(j, 0.1);
    lrp_json_double(j, 0.8058642575592051);
    lrp_json_double(j, 3.1110252586138907e-07);
    lrp_json_double(j, -1e300);
    lrp_json_double(j, 2.0);
    lrp_json_double(j, NAN);
    lrp_json_double(j, INFINITY);
    lrp_json_double(j, -INFINITY);
    lrp_json_float(j, 0.1f);
    lrp_json_float(j, 16777216.0f);
    lrp_json_float(j, 1.0f / 3.0f);
    lrp_json_int(j, INT64_MIN);
    lrp_json_int(j, INT64_MAX);
    lrp_json_end_array(j);
}

static void test_numbers(void)
{
    expect("numbers", emit_numbers, 0,
           "[0.5,0.1,0.8058642575592051,3.1110252586138907e-07,-1e+300,2,"
           "null,null,null,0.1,16777216,0.33333334,"
           "-9223372036854775808,9223372036854775807]",
           1);
}

/* Top-level values are separated by newlines (JSON Lines). */
static void emit_top_level(lrp_json *j)
{
    lrp_json_begin_object(j);
    lrp_json_key(j, "k\"");
    lrp_json_int(j, -3);
    lrp_json_end_object(j);
    lrp_json_int(j, 7);
}

static void test_top_level(void)
{
    expect("top level", emit_top_level, 0, "{\"k\\\"\":-3}\n7", 1);
    expect("top level", emit_top_level, 1, "{\n  \"k\\\"\": -3\n}\n7", 1);
}

static void emit_unbalanced(lrp_json *j)
{
    lrp_json_begin_array(j);
    lrp_json_end_array(j);
    lrp_json_end_array(j);
}

static void emit_too_deep(lrp_json *j)
{
    for (int i = 0; i < LRP_JSON_MAX_DEPTH + 1; i++)
        lrp_json_begin_array(j);
}

static void test_misuse(void)
{
    char deep[LRP_JSON_MAX_DEPTH + 2];
    memset(deep, '[', LRP_JSON_MAX_DEPTH + 1);
    deep[LRP_JSON_MAX_DEPTH + 1] = '\0';
    expect("unbalanced", emit_unbalanced, 0, "[]", 0);
    expect("too deep", emit_too_deep, 0, deep, 0);
}

int main(void)
{
    test_nesting();
    test_strings();
    test_numbers();
    test_top_level();
    test_misuse();
    printf("test_json: %s\n", failures ? "failed" : "all checks passed");
    return check_finish();
}
