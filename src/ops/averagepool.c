/* AveragePool (2-D): the sum of each window's in-bounds taps over
 * lrp_avgpool_divisor. */
#include "ops/op.h"
#include "ops/pooling.h"

static void averagepool_forward(const lrp_node *n, const lrp_tensor *const *in,
                                lrp_tensor *const *out, lrp_forward_ctx *scratch)
{
    (void)scratch;
    const lrp_pooling_params *p = n->params;
    lrp_geom g;
    lrp_pooling_geom(n, in[0], &g, NULL);
    const int64_t planes = in[0]->dims[0] * in[0]->dims[1];
    for (int64_t pl = 0; pl < planes; pl++) {
        const float *x = (const float *)in[0]->data + pl * g.in_h * g.in_w;
        float *y = (float *)out[0]->data + pl * g.out_h * g.out_w;
        for (int64_t oh = 0; oh < g.out_h; oh++)
            for (int64_t ow = 0; ow < g.out_w; ow++) {
                int64_t h0 = oh * g.sh - g.pad_t, w0 = ow * g.sw - g.pad_l;
                float sum = 0.0f;
                for (int64_t i = 0; i < g.kh; i++)
                    for (int64_t j = 0; j < g.kw; j++) {
                        int64_t h = h0 + i * g.dh, w = w0 + j * g.dw;
                        if (h >= 0 && h < g.in_h && w >= 0 && w < g.in_w)
                            sum += x[h * g.in_w + w];
                    }
                y[oh * g.out_w + ow] = sum / (float)lrp_avgpool_divisor(&g,
                                                                        p->count_include_pad,
                                                                        oh, ow);
            }
    }
}

const lrp_op lrp_op_averagepool = {
    .name = "AveragePool",
    .min_inputs = 1,
    .max_inputs = 1,
    .n_outputs = 1,
    .relevance = LRP_REL_AVGPOOL,
    .keeps_sign = true,
    .shortcut_step = true,
    .parse = lrp_pooling_parse,
    .infer = lrp_pooling_infer,
    .forward = averagepool_forward,
};
