/* Reading a whole file into memory, refusing directories and files above
 * a limit before allocating. */
#include "io/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/error.h"

lrp_status lrp_read_file(const char *path, size_t max_size, void **buf, size_t *size,
                         lrp_error *err)
{
    *buf = NULL;
    *size = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return lrp_error_set(err, LRP_ERR_IO, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return lrp_error_set(err, LRP_ERR_IO, "%s: not a regular file", path);
    }
    if ((unsigned long long)st.st_size > max_size) {
        fclose(f);
        return lrp_error_set(err, LRP_ERR_LIMIT, "%s: %lld bytes is more than the limit of %zu",
                             path, (long long)st.st_size, max_size);
    }
    size_t n = (size_t)st.st_size;
    char *data = malloc(n + 1);
    if (!data) {
        fclose(f);
        return lrp_error_set(err, LRP_ERR_NOMEM, "%s: out of memory for %zu bytes", path, n);
    }
    size_t got = fread(data, 1, n, f);
    bool failed = ferror(f);
    fclose(f);
    if (failed || got != n) {
        free(data);
        return lrp_error_set(err, LRP_ERR_IO, "%s: read %zu of %zu bytes", path, got, n);
    }
    data[n] = '\0';
    *buf = data;
    *size = n;
    return LRP_OK;
}
