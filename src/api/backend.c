/* The convolution engines by name, and which of them this build and this
 * machine offer (lrp.h: lrp_backend). */
#include "api/backend.h"

#include <string.h>

#include "util/error.h"

static const char *const names[] = {"openblas", "dnnl"}; /* LRP_BACKEND_OPENBLAS, ... */

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
