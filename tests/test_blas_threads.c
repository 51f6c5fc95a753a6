/* Loading a model through the shared library sets OpenBLAS single-threaded:
 * onnx-lrp's own workers call the BLAS, and a caller need not know that.
 * argv[1]: a model. Run with OPENBLAS_NUM_THREADS=2, the BLAS's own default
 * being one thread per core. */
#include <cblas.h>
#include <stdio.h>

#include "lrp.h"

#include "check.h"

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    int before = openblas_get_num_threads();
    lrp_model *m;
    lrp_error err = {0};
    if (lrp_model_load(argv[1], &m, &err)) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    int after = openblas_get_num_threads();
    lrp_model_free(m);
    printf("checking: OpenBLAS threads %d before loading a model, %d after (want 1)\n", before,
           after);
    if (before == 1)
        printf("note: the BLAS started with one thread: this run proves nothing\n");
    CHECK(after == 1, "OpenBLAS has %d threads after loading a model, want 1", after);
    return check_finish();
}
