/* NumPy .npy file reading and writing for float32 and int64 arrays
 * (C order, little-endian). Input headers are treated as untrusted. */
#ifndef LRP_IO_NPY_H
#define LRP_IO_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "lrp.h"

#define LRP_NPY_MAX_RANK 8
/* Upper bound on the header text we accept (v2/v3 allow up to 4 GiB). */
#define LRP_NPY_MAX_HEADER (1u << 20)

/* dtype codes, equal to ONNX TensorProto.DataType values. */
#define LRP_NPY_FLOAT32 1 /* '<f4' */
#define LRP_NPY_INT64 7   /* '<i8' */

typedef struct lrp_npy {
    int dtype;                      /* LRP_NPY_FLOAT32 or LRP_NPY_INT64 */
    int rank;                       /* 0..LRP_NPY_MAX_RANK; 0 is a scalar */
    int64_t dims[LRP_NPY_MAX_RANK]; /* dims[0..rank-1], all >= 0 */
    void *data;   /* owned, C order, host byte order; never NULL after a successful read */
    size_t count; /* product of dims (1 for rank 0) */
} lrp_npy;

/* Bytes per element of a dtype code; 0 if the code is not supported. */
size_t lrp_npy_dtype_size(int dtype);

/* Read a .npy file. On failure *out is zeroed and nothing leaks. */
lrp_status lrp_npy_read(const char *path, lrp_npy *out, lrp_error *err);

/* Parse a .npy image held in memory; 'what' names the source in messages. */
lrp_status lrp_npy_read_mem(const void *buf, size_t size, lrp_npy *out, const char *what,
                            lrp_error *err);

/* Write a version 1.0 .npy file byte-identical to numpy's np.save. The file
 * is written under a temporary name in the same directory, then renamed. */
lrp_status lrp_npy_write(const char *path, int dtype, int rank, const int64_t *dims,
                         const void *data, lrp_error *err);

/* Free the data and zero the struct; NULL-safe. */
void lrp_npy_free(lrp_npy *npy);

#endif /* LRP_IO_NPY_H */
