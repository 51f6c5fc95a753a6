/* Writing 8-bit PNG files atomically (a temporary file renamed into place). */
#ifndef LRP_IO_PNG_H
#define LRP_IO_PNG_H

#include <stdint.h>

#include "lrp.h"

/* Encodes pixels (h, w, channels) bytes, channels 1..4 (gray, gray+alpha,
 * RGB, RGBA), as PNG in memory, writes it to "<path>.tmp-XXXXXX" beside
 * 'path' and renames it over 'path': an interrupted run leaves either no
 * file or the whole one. The same pixels always give the same bytes.
 * Messages name the path. */
lrp_status lrp_png_write(const char *path, const uint8_t *pixels, int w, int h, int channels,
                         lrp_error *err);

#endif /* LRP_IO_PNG_H */
