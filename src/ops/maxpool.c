/* MaxPool (2-D, pads, strides, dilations, ceil_mode); padding never wins.
 * Only the first output (Y) is supported. */
#include <float.h>

#include "ops/op.h"
#include "ops/pooling.h"

typedef struct maxpool_job {
    const lrp_tensor *x, *y;
    lrp_geom g;
} maxpool_job;

/* Planes [p0, p1) of the (N*C) planes. */
static void maxpool_planes(void *ctx, int range, size_t p0, size_t p1)
{
    (void)range;
    const maxpool_job *job = ctx;
    const lrp_geom g = job->g;
    for (int64_t p = (int64_t)p0; p < (int64_t)p1; p++) {
        const float *x = (const float *)job->x->data + p * g.in_h * g.in_w;
        float *y = (float *)job->y->data + p * g.out_h * g.out_w;
        for (int64_t oh = 0; oh < g.out_h; oh++)
            for (int64_t ow = 0; ow < g.out_w; ow++) {
                float best = -FLT_MAX;
                for (int64_t i = 0; i < g.kh; i++) {
                    int64_t h = oh * g.sh - g.pad_t + i * g.dh;
                    if (h < 0 || h >= g.in_h)
                        continue;
                    for (int64_t j = 0; j < g.kw; j++) {
                        int64_t w = ow * g.sw - g.pad_l + j * g.dw;
                        if (w >= 0 && w < g.in_w && x[h * g.in_w + w] > best)
                            best = x[h * g.in_w + w];
                    }
                }
                y[oh * g.out_w + ow] = best;
            }
    }
}

static void maxpool_forward(const lrp_node *n, const lrp_tensor *const *in,
                            lrp_tensor *const *out, lrp_forward_ctx *scratch)
{
    maxpool_job job = {.x = in[0], .y = out[0]};
    lrp_pooling_geom(n, in[0], &job.g, NULL);
    lrp_pool_for_items(scratch->pool, (size_t)(in[0]->dims[0] * in[0]->dims[1]), maxpool_planes,
                       &job);
}

const lrp_op lrp_op_maxpool = {
    .name = "MaxPool",
    .min_inputs = 1,
    .max_inputs = 1,
    .n_outputs = 1,
    .relevance = LRP_REL_MAXPOOL,
    .keeps_sign = true,
    .parse = lrp_pooling_parse,
    .infer = lrp_pooling_infer,
    .forward = maxpool_forward,
};
