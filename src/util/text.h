/* Text from a model file (names, metadata) made safe to show: valid UTF-8
 * is kept, control characters and every byte of invalid UTF-8 become \xNN.
 * The one definition of both, used by lrp_error messages, the CLI's text
 * output and the JSON writer. */
#ifndef LRP_UTIL_TEXT_H
#define LRP_UTIL_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Bytes (1-4) of the valid UTF-8 character at s, or 0 when s[0] starts
 * none: a stray continuation byte, a truncated sequence, an overlong form,
 * a surrogate (U+D800-U+DFFF), a code point above U+10FFFF, or one of the
 * bytes 0xC0, 0xC1, 0xF5-0xFF. s[0] must not be NUL. */
int lrp_utf8_len(const char *s);

/* The character of len bytes at s (len from lrp_utf8_len, > 0) is a control
 * character: C0 (< 0x20), DEL, or C1 (U+0080-U+009F, CSI among them). */
bool lrp_utf8_is_control(const char *s, int len);

/* dst = s with each control character and each byte of invalid UTF-8 as
 * \xNN (lower-case hex, per byte); cut at a character boundary to fit size
 * bytes with the NUL (size >= 1). Escaping escaped text changes nothing.
 * dst and s must not overlap. Returns dst. */
char *lrp_text_escape(char *dst, size_t size, const char *s);

/* The same escaping, written to f. */
void lrp_text_put_escaped(FILE *f, const char *s);

#endif
