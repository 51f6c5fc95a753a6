/* Usage lists joined from a table's names. */
#include "util/name_list.h"

#include <stdio.h>

char *lrp_name_list(char *buf, size_t size, const char *(*name)(int i))
{
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; name(i) && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", name(i));
    return buf;
}
