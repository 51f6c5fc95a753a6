/* lrp_json over a memstream, committed with lrp_write_file_atomic. */
#include "io/json_file.h"

#include <stdlib.h>
#include <string.h>

#include "io/atomic_file.h"
#include "util/error.h"

lrp_status lrp_json_file_open(lrp_json_file *jf, const char *path, lrp_error *err)
{
    memset(jf, 0, sizeof *jf);
    jf->f = open_memstream(&jf->buf, &jf->size);
    if (!jf->f)
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory for %s", path);
    lrp_json_init(&jf->j, jf->f, 1);
    return LRP_OK;
}

lrp_status lrp_json_file_commit(lrp_json_file *jf, const char *path, lrp_error *err)
{
    fputc('\n', jf->f);
    fclose(jf->f);
    lrp_status st = lrp_write_file_atomic(path, jf->buf, jf->size, err);
    free(jf->buf);
    memset(jf, 0, sizeof *jf);
    return st;
}
