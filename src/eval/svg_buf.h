/* A growing text buffer for the SVG figures, with XML escaping, and their
 * one palette. */
#ifndef LRP_EVAL_SVG_BUF_H
#define LRP_EVAL_SVG_BUF_H

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

typedef struct lrp_svg_buf {
    char *p;
    size_t len, cap;
    bool failed; /* an allocation failed; later output is dropped */
} lrp_svg_buf;

void lrp_svg_printf(lrp_svg_buf *b, const char *fmt, ...) LRP_PRINTF(2, 3);
/* Text content or attribute value with &, <, > and " escaped. */
void lrp_svg_escaped(lrp_svg_buf *b, const char *s);

/* Method k's color: Okabe & Ito (2008), colorblind-safe, repeating; drawn
 * dashed from the first repeat on. */
const char *lrp_svg_color(int k);
bool lrp_svg_dashed(int k);

#endif
