/* Tests for src/util/text.c: which bytes are valid UTF-8, how the rest is
 * escaped (text and JSON), and that lrp_error messages come out escaped. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "io/json.h"
#include "util/error.h"
#include "util/text.h"

static void expect_escaped(const char *label, const char *in, const char *want)
{
    char got[256];
    lrp_text_escape(got, sizeof got, in);
    CHECK(strcmp(got, want) == 0, "%s: got '%s', want '%s'", label, got, want);
    char again[256];
    lrp_text_escape(again, sizeof again, got);
    CHECK(strcmp(again, got) == 0, "%s: escaping twice gives '%s'", label, again);
}

static void test_utf8_len(void)
{
    /* clang-format off */
    static const struct {
        const char *s;
        int len;
    } cases[] = {
        {"a", 1},          {"\xc3\xa9", 2},         {"\xe2\x82\xac", 3},
        {"\xf0\x9f\x98\x80", 4}, {"\xf4\x8f\xbf\xbf", 4}, /* U+10FFFF */
        {"\x80", 0},       {"\xbf", 0},             /* stray continuation bytes */
        {"\xc3", 0},       {"\xe2\x82", 0},         {"\xf0\x9f\x98", 0}, /* truncated */
        {"\xc3" "a", 0},   {"\xc0\xaf", 0},         {"\xc1\xbf", 0}, /* overlong '/' */
        {"\xe0\x80\xaf", 0}, {"\xf0\x80\x80\xaf", 0}, /* overlong 3 and 4 bytes */
        {"\xed\xa0\x80", 0}, {"\xed\xbf\xbf", 0},   /* surrogates */
        {"\xed\x9f\xbf", 3}, /* U+D7FF, just below them */
        {"\xf4\x90\x80\x80", 0}, {"\xf5\x80\x80\x80", 0}, {"\xff", 0}, {"\xfe", 0},
    };
    /* clang-format on */
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        CHECK(lrp_utf8_len(cases[i].s) == cases[i].len, "case %zu: lrp_utf8_len %d, want %d", i,
              lrp_utf8_len(cases[i].s), cases[i].len);
}

static void test_escape(void)
{
    /* clang-format off */
    expect_escaped("ascii", "conv1/weight", "conv1/weight");
    expect_escaped("2, 3 and 4 bytes", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
                   "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    expect_escaped("controls", "a\x1b[31mb\x7f\n", "a\\x1b[31mb\\x7f\\x0a");
    expect_escaped("C1 control (CSI)", "a\xc2\x9b" "b", "a\\xc2\\x9bb");
    expect_escaped("stray continuation", "a\x80\xbf" "b", "a\\x80\\xbfb");
    expect_escaped("truncated", "a\xe2\x82", "a\\xe2\\x82");
    expect_escaped("truncated before ascii", "\xf0\x9f" "ab", "\\xf0\\x9fab");
    expect_escaped("overlong", "\xc0\xaf\xe0\x80\xaf", "\\xc0\\xaf\\xe0\\x80\\xaf");
    expect_escaped("surrogate", "\xed\xa0\x80", "\\xed\\xa0\\x80");
    expect_escaped("0xff, 0xfe", "\xff\xfe", "\\xff\\xfe");
    expect_escaped("above U+10FFFF", "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
    /* clang-format on */
    char small[8];
    lrp_text_escape(small, sizeof small,
                    "ab\xff"
                    "cd");
    CHECK(strcmp(small, "ab\\xffc") == 0, "cut to 8 bytes: '%s'", small);
    lrp_text_escape(small, sizeof small, "abcdef\xc3\xa9");
    CHECK(strcmp(small, "abcdef") == 0, "cut before a 2-byte character: '%s'", small);
    lrp_text_escape(small, sizeof small, "abcde\xff");
    CHECK(strcmp(small, "abcde") == 0, "cut before an escape: '%s'", small);
}

static void test_json(void)
{
    FILE *f = tmpfile();
    if (!f) {
        CHECK(0, "tmpfile() failed");
        return;
    }
    lrp_json j;
    lrp_json_init(&j, f, 0);
    lrp_json_string(&j, "\xc3\xa9\xff\x1b\xc2\x9b\xed\xa0\x80\"\\");
    char got[128] = "";
    rewind(f);
    got[fread(got, 1, sizeof got - 1, f)] = '\0';
    fclose(f);
    const char *want = "\"\xc3\xa9\\\\xff\\u001b\\u009b\\\\xed\\\\xa0\\\\x80\\\"\\\\\"";
    CHECK(strcmp(got, want) == 0, "json: got %s, want %s", got, want);
}

static void test_error_message(void)
{
    lrp_error err = {0};
    lrp_error_set(&err, LRP_ERR_GRAPH, "node '%s' (Relu): bad", "r\xff\x1b");
    CHECK(strcmp(err.message, "node 'r\\xff\\x1b' (Relu): bad") == 0, "lrp_error_set: '%s'",
          err.message);
    lrp_error_prefix(&err, "%s", "m\xc3.onnx");
    CHECK(strcmp(err.message, "m\\xc3.onnx: node 'r\\xff\\x1b' (Relu): bad") == 0,
          "lrp_error_prefix: '%s'", err.message);
}

int main(void)
{
    test_utf8_len();
    test_escape();
    test_json();
    test_error_message();
    return check_finish();
}
