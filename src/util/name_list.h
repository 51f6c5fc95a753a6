/* Lists of names for usage messages ("bwr, coldnhot, ..."), built from the
 * table that owns the names, so that no message repeats one by hand. */
#ifndef LRP_UTIL_NAME_LIST_H
#define LRP_UTIL_NAME_LIST_H

#include <stddef.h>

/* buf = name(0), name(1), ... up to the first NULL, joined by ", " and cut
 * to fit size bytes with the NUL (size >= 1). Returns buf. */
char *lrp_name_list(char *buf, size_t size, const char *(*name)(int i));

#endif
