/* Choosing the convolution engine and precision of a model or an explainer. */
#ifndef LRP_API_BACKEND_H
#define LRP_API_BACKEND_H

#include "ops/conv_dnnl.h"

/* DEFAULT -> the fastest available; the others as they are. */
lrp_backend lrp_backend_resolve(lrp_backend b);

/* Resolves b into *resolved, making *dnnl (when NULL) if b is oneDNN; on
 * failure (b not available) both are left as they were. */
lrp_status lrp_backend_open(lrp_backend b, lrp_backend *resolved, lrp_dnnl **dnnl,
                            lrp_error *err);

/* Checks precision p on the resolved backend (lrp_precision_check) and,
 * for bf16, makes dnnl's bf16 twin (dnnl: the oneDNN convolutions of a
 * model or rule table, made by lrp_backend_open). */
lrp_status lrp_precision_open(lrp_backend resolved, lrp_precision p, lrp_dnnl *dnnl,
                              lrp_error *err);

/* The convolutions a run uses: NULL (OpenBLAS) unless 'resolved' is
 * oneDNN, then dnnl itself (f32) or its bf16 twin, made by
 * lrp_precision_open. */
lrp_dnnl *lrp_backend_dnnl(lrp_backend resolved, lrp_precision p, lrp_dnnl *dnnl);

#endif
