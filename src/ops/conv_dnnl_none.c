/* The oneDNN seam (dnnl.h) of a build without oneDNN (-Ddnnl=disabled, or
 * libdnnl-dev absent): every convolution goes to the OpenBLAS kernels. */
#include "ops/conv_dnnl.h"

lrp_status lrp_dnnl_new(lrp_dnnl **out, lrp_error *err)
{
    *out = NULL;
    return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                         "this onnx-lrp was built without oneDNN (meson -Ddnnl)");
}

void lrp_dnnl_free(lrp_dnnl *d)
{
    (void)d;
}

bool lrp_dnnl_built(void)
{
    return false;
}

int lrp_dnnl_block_channels(const lrp_dnnl *d)
{
    (void)d;
    return 0;
}

const char *lrp_dnnl_describe(void)
{
    return NULL;
}

bool lrp_dnnl_set_planning(bool on)
{
    (void)on;
    return false;
}

void lrp_dnnl_make_planned(lrp_dnnl *d, lrp_pool *pool)
{
    (void)d;
    (void)pool;
}

lrp_status lrp_dnnl_bf16_check(lrp_error *err)
{
    return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                         "bf16 needs oneDNN, and this onnx-lrp was built without it");
}

lrp_status lrp_dnnl_bf16(lrp_dnnl *d, lrp_dnnl **out, lrp_error *err)
{
    (void)d;
    *out = NULL;
    return lrp_dnnl_bf16_check(err);
}

lrp_dnnl *lrp_dnnl_bf16_twin(const lrp_dnnl *d)
{
    (void)d;
    return NULL;
}

size_t lrp_dnnl_scratch_floats(const lrp_conv_shape *s)
{
    (void)s;
    return 0;
}

unsigned lrp_dnnl_conv_blockable(lrp_dnnl *d, const lrp_conv_shape *s, const float *w,
                                 bool bias, const lrp_epilogue *epi, lrp_pool *pool)
{
    return 0;
}

int64_t lrp_dnnl_conv_forward(lrp_dnnl *d, const lrp_conv_shape *s, const float *x,
                              const float *w, const float *b, float *y, const lrp_epilogue *epi,
                              float *scratch, lrp_pool *pool, const lrp_conv_refill *refill)
{
    return 0;
}

int64_t lrp_dnnl_conv_backward_add(lrp_dnnl *d, const lrp_conv_shape *s, const float *dy,
                                   const float *w, float *dx, float *scratch, lrp_pool *pool,
                                   const lrp_conv_refill *refill)
{
    return 0;
}
