/* Choosing the convolution engine of a model or an explainer. */
#ifndef LRP_API_BACKEND_H
#define LRP_API_BACKEND_H

#include "ops/conv_dnnl.h"

/* DEFAULT -> the fastest available; the others as they are. */
lrp_backend lrp_backend_resolve(lrp_backend b);

/* Resolves b into *resolved, making *dnnl (when NULL) if b is oneDNN; on
 * failure (b not available) both are left as they were. */
lrp_status lrp_backend_open(lrp_backend b, lrp_backend *resolved, lrp_dnnl **dnnl,
                            lrp_error *err);

#endif
