/* The convolution engines and precisions by name, and which of them this
 * build and this machine offer (lrp.h: lrp_backend, lrp_precision). */
#include "api/backend.h"

#include <string.h>

#include "util/error.h"

static const char *const names[] = {"openblas", "dnnl"}; /* LRP_BACKEND_OPENBLAS, ... */
static const char *const precisions[] = {"f32", "bf16"}; /* LRP_PRECISION_F32, ... */

lrp_backend lrp_backend_resolve(lrp_backend b)
{
    if (b != LRP_BACKEND_DEFAULT)
        return b;
    return lrp_backend_available(LRP_BACKEND_DNNL) ? LRP_BACKEND_DNNL : LRP_BACKEND_OPENBLAS;
}

const char *lrp_backend_name(lrp_backend b)
{
    b = lrp_backend_resolve(b);
    return b == LRP_BACKEND_OPENBLAS || b == LRP_BACKEND_DNNL ? names[b - 1] : NULL;
}

int lrp_backend_from_name(const char *name)
{
    for (int i = 0; i < 2; i++)
        if (strcmp(name, names[i]) == 0)
            return i + 1;
    return -1;
}

bool lrp_backend_available(lrp_backend b)
{
    if (b == LRP_BACKEND_DNNL) {
        lrp_dnnl *d = NULL;
        bool ok = lrp_dnnl_new(&d, NULL) == LRP_OK;
        lrp_dnnl_free(d);
        return ok;
    }
    return b == LRP_BACKEND_DEFAULT || b == LRP_BACKEND_OPENBLAS;
}

lrp_status lrp_backend_open(lrp_backend b, lrp_backend *resolved, lrp_dnnl **dnnl,
                            lrp_error *err)
{
    lrp_backend r = lrp_backend_resolve(b);
    if (r != LRP_BACKEND_OPENBLAS && r != LRP_BACKEND_DNNL)
        return lrp_error_set(err, LRP_ERR_ARG, "unknown backend %d", (int)b);
    if (r == LRP_BACKEND_DNNL && !*dnnl) {
        lrp_status st = lrp_dnnl_new(dnnl, err);
        if (st)
            return st;
    }
    *resolved = r;
    return LRP_OK;
}

const char *lrp_precision_name(lrp_precision p)
{
    return p == LRP_PRECISION_F32 || p == LRP_PRECISION_BF16 ? precisions[p] : NULL;
}

int lrp_precision_from_name(const char *name)
{
    for (int i = 0; i < 2; i++)
        if (strcmp(name, precisions[i]) == 0)
            return i;
    return -1;
}

lrp_status lrp_precision_check(lrp_backend b, lrp_precision p, lrp_error *err)
{
    lrp_backend r = lrp_backend_resolve(b);
    if (p == LRP_PRECISION_F32)
        return LRP_OK;
    if (p != LRP_PRECISION_BF16)
        return lrp_error_set(err, LRP_ERR_ARG, "unknown precision %d", (int)p);
    if (r != LRP_BACKEND_DNNL)
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                             "precision bf16 runs only on the dnnl backend, not on %s%s",
                             r == LRP_BACKEND_OPENBLAS ? "openblas" : "an unknown one",
                             lrp_dnnl_built() ? ""
                                              : " (this onnx-lrp was built without oneDNN)");
    if (!lrp_backend_available(r))
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                             "precision bf16 needs the dnnl backend, which is not available");
    return lrp_dnnl_bf16_check(err);
}

lrp_status lrp_precision_open(lrp_backend resolved, lrp_precision p, lrp_dnnl *dnnl,
                              lrp_error *err)
{
    lrp_dnnl *twin;
    lrp_status st = lrp_precision_check(resolved, p, err);
    return st || p == LRP_PRECISION_F32 ? st : lrp_dnnl_bf16(dnnl, &twin, err);
}

lrp_dnnl *lrp_backend_dnnl(lrp_backend resolved, lrp_precision p, lrp_dnnl *dnnl)
{
    if (resolved != LRP_BACKEND_DNNL)
        return NULL;
    return p == LRP_PRECISION_BF16 ? lrp_dnnl_bf16_twin(dnnl) : dnnl;
}
