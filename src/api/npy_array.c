/* lrp_npy_load / lrp_npy_save: float32 .npy files as lrp_array, over io/npy.c. */
#include <string.h>

#include "io/npy.h"
#include "util/error.h"

lrp_status lrp_npy_load(const char *path, lrp_array *out, lrp_error *err)
{
    lrp_npy npy;
    memset(out, 0, sizeof *out);
    lrp_status st = lrp_npy_read(path, &npy, err);
    if (st)
        return st;
    if (npy.dtype != LRP_NPY_FLOAT32 || npy.rank > LRP_MAX_RANK) {
        lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                      "%s: need a float32 array of rank 0 to %d, got "
                      "%s of rank %d",
                      path, LRP_MAX_RANK, npy.dtype == LRP_NPY_FLOAT32 ? "float32" : "int64",
                      npy.rank);
        lrp_npy_free(&npy);
        return LRP_ERR_UNSUPPORTED;
    }
    out->rank = npy.rank;
    memcpy(out->dims, npy.dims, (size_t)npy.rank * sizeof *npy.dims);
    out->data = npy.data; /* ownership moves to the array */
    return LRP_OK;
}

lrp_status lrp_npy_save(const char *path, const lrp_array *a, lrp_error *err)
{
    if (a->rank < 0 || a->rank > LRP_MAX_RANK || (!a->data && lrp_array_count(a) > 0))
        return lrp_error_set(err, LRP_ERR_ARG, "%s: an array of rank %d%s", path, a->rank,
                             a->data ? " (0 to 8)" : " without data");
    return lrp_npy_write(path, LRP_NPY_FLOAT32, a->rank, a->dims, a->data, err);
}
