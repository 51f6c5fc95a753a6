/* UTF-8 validation (RFC 3629: shortest forms, no surrogates, at most
 * U+10FFFF) and \xNN escaping of what is not valid, printable text. */
#include "util/text.h"

#include <string.h>

int lrp_utf8_len(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    int len = u[0] < 0x80   ? 1
              : u[0] < 0xC2 ? 0
              : u[0] < 0xE0 ? 2
              : u[0] < 0xF0 ? 3
              : u[0] < 0xF5 ? 4
                            : 0;
    for (int i = 1; i < len; i++)
        if ((u[i] & 0xC0) != 0x80) /* also stops at the NUL of a truncated one */
            return 0;
    if (len == 3 && ((u[0] == 0xE0 && u[1] < 0xA0) || (u[0] == 0xED && u[1] >= 0xA0)))
        return 0; /* overlong, or a surrogate */
    if (len == 4 && ((u[0] == 0xF0 && u[1] < 0x90) || (u[0] == 0xF4 && u[1] >= 0x90)))
        return 0; /* overlong, or above U+10FFFF */
    return len;
}

bool lrp_utf8_is_control(const char *s, int len)
{
    const unsigned char *u = (const unsigned char *)s;
    if (len == 1)
        return u[0] < 0x20 || u[0] == 0x7F;
    return len == 2 && u[0] == 0xC2 && u[1] < 0xA0;
}

/* How s[0..] is shown: *n bytes of s taken, written as 'out' (NUL-terminated). */
static void next_piece(const char *s, int *n, char out[5])
{
    static const char hex[] = "0123456789abcdef";
    int len = lrp_utf8_len(s);
    if (len > 0 && !lrp_utf8_is_control(s, len)) {
        memcpy(out, s, (size_t)len);
        out[len] = '\0';
        *n = len;
        return;
    }
    *n = 1; /* one byte at a time: a C1 control's second byte is then a stray one */
    unsigned char c = (unsigned char)s[0];
    out[0] = '\\';
    out[1] = 'x';
    out[2] = hex[c >> 4];
    out[3] = hex[c & 15];
    out[4] = '\0';
}

char *lrp_text_escape(char *dst, size_t size, const char *s)
{
    size_t used = 0;
    while (*s) {
        char piece[5];
        int n;
        next_piece(s, &n, piece);
        size_t len = strlen(piece);
        if (used + len + 1 > size)
            break;
        memcpy(dst + used, piece, len);
        used += len;
        s += n;
    }
    dst[used] = '\0';
    return dst;
}

void lrp_text_put_escaped(FILE *f, const char *s)
{
    while (*s) {
        char piece[5];
        int n;
        next_piece(s, &n, piece);
        fputs(piece, f);
        s += n;
    }
}
