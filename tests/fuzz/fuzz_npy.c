/* Fuzz target: a .npy file from memory through lrp_npy_read_mem; on
 * success every element is read, so ASan sees the whole buffer. */
#include <string.h>

#include "fuzz_common.h"
#include "io/npy.h"

int FUZZ_ENTRY(npy)(const uint8_t *data, size_t size)
{
    lrp_npy npy;
    lrp_error err;
    if (lrp_npy_read_mem(data, size, &npy, "fuzz.npy", &err) != LRP_OK) {
        (void)strlen(err.message);
        return 0;
    }
    size_t bytes = npy.count * lrp_npy_dtype_size(npy.dtype);
    volatile unsigned char sum = 0;
    for (size_t i = 0; i < bytes; i++)
        sum += ((const unsigned char *)npy.data)[i];
    (void)sum;
    lrp_npy_free(&npy);
    return 0;
}
