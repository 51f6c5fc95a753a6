/* Temporary file + rename, so an interrupted run leaves either the old
 * file, no file, or the whole new one. */
#include "io/atomic_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.h"

static void clear(lrp_atomic_file *af)
{
    free(af->path);
    free(af->tmp);
    memset(af, 0, sizeof *af);
}

lrp_status lrp_atomic_open(const char *path, lrp_atomic_file *af, lrp_error *err)
{
    memset(af, 0, sizeof *af);
    size_t n = strlen(path);
    af->path = malloc(n + 1);
    af->tmp = malloc(n + 12);
    if (!af->path || !af->tmp) {
        clear(af);
        return lrp_error_set(err, LRP_ERR_NOMEM, "%s: out of memory", path);
    }
    memcpy(af->path, path, n + 1);
    snprintf(af->tmp, n + 12, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(af->tmp);
    if (fd < 0) {
        int saved = errno;
        clear(af);
        return lrp_error_set(err, LRP_ERR_IO, "%s: cannot create a file there: %s", path,
                             strerror(saved));
    }
    fchmod(fd, 0644); /* mkstemp makes it 0600; outputs are ordinary files */
    if (!(af->f = fdopen(fd, "wb"))) {
        int saved = errno;
        close(fd);
        remove(af->tmp);
        clear(af);
        return lrp_error_set(err, LRP_ERR_IO, "%s: %s", path, strerror(saved));
    }
    return LRP_OK;
}

void lrp_atomic_abort(lrp_atomic_file *af)
{
    if (af->f)
        fclose(af->f);
    if (af->tmp)
        remove(af->tmp);
    clear(af);
}

lrp_status lrp_atomic_commit(lrp_atomic_file *af, lrp_error *err)
{
    errno = 0;
    bool ok = !ferror(af->f) && fflush(af->f) == 0;
    int saved = errno;
    if (fclose(af->f) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    af->f = NULL;
    lrp_status st = LRP_OK;
    if (!ok)
        st = lrp_error_set(err, LRP_ERR_IO, "%s: write failed: %s", af->path,
                           strerror(saved ? saved : EIO));
    else if (rename(af->tmp, af->path) != 0)
        st = lrp_error_set(err, LRP_ERR_IO, "%s: cannot rename '%s' into place: %s", af->path,
                           af->tmp, strerror(errno));
    if (st)
        remove(af->tmp);
    clear(af);
    return st;
}

lrp_status lrp_write_file_atomic(const char *path, const void *buf, size_t size, lrp_error *err)
{
    lrp_atomic_file af;
    lrp_status st = lrp_atomic_open(path, &af, err);
    if (st)
        return st;
    if (size && fwrite(buf, 1, size, af.f) != size) {
        int saved = errno;
        lrp_atomic_abort(&af);
        return lrp_error_set(err, LRP_ERR_IO, "%s: write failed: %s", path, strerror(saved));
    }
    return lrp_atomic_commit(&af, err);
}
