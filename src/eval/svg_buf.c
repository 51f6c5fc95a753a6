/* The SVG text buffer and palette shared by curves.svg and conservation.svg. */
#include "eval/svg_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* Okabe & Ito (2008), colorblind-safe; yellow left out: unreadable as text. */
static const char *const palette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                      "#E69F00", "#56B4E9", "#000000"};
#define N_COLORS ((int)(sizeof palette / sizeof palette[0]))

void lrp_svg_printf(lrp_svg_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (b->failed || n < 0)
        return;
    if (b->len + (size_t)n + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 4096) + (size_t)n;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void lrp_svg_escaped(lrp_svg_buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': lrp_svg_printf(b, "&amp;"); break;
        case '<': lrp_svg_printf(b, "&lt;"); break;
        case '>': lrp_svg_printf(b, "&gt;"); break;
        case '"': lrp_svg_printf(b, "&quot;"); break;
        default: lrp_svg_printf(b, "%c", *s);
        }
    }
}

const char *lrp_svg_color(int k)
{
    return palette[k % N_COLORS];
}

bool lrp_svg_dashed(int k)
{
    return k >= N_COLORS;
}
