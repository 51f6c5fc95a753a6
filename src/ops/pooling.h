/* What MaxPool and AveragePool share: window attributes and shape. */
#ifndef LRP_OPS_POOLING_H
#define LRP_OPS_POOLING_H

#include "ops/op.h"
#include "ops/window.h"

typedef struct lrp_pooling_params {
    lrp_window win;
    bool count_include_pad; /* AveragePool */
} lrp_pooling_params;

lrp_status lrp_pooling_parse(lrp_node *n, lrp_error *err);
/* g for X (N,C,H,W); fails on rank != 4 or a window larger than the input. */
lrp_status lrp_pooling_geom(const lrp_node *n, const lrp_tensor *x, lrp_geom *g,
                            lrp_error *err);
/* AveragePool's divisor for the window at output (oh, ow): its in-bounds
 * taps, or with count_include_pad its taps inside the padded input. A
 * ceil_mode window that runs past the trailing pad counts only up to it
 * (ONNX, onnxruntime and torch's avg_pool2d agree). Used by the forward op,
 * the norm rule and the gradient, so all three divide alike; always >= 1. */
int64_t lrp_avgpool_divisor(const lrp_geom *g, bool count_include_pad, int64_t oh, int64_t ow);

/* GlobalAveragePool, or a ReduceMean over every axis from 2 (an SE block's
 * squeeze): the mean of each (n, c) plane. The forward op, the norm rule
 * and the gradient all treat the two alike. */
bool lrp_pooling_is_global(const lrp_node *n);
void lrp_global_mean_forward(const lrp_node *n, const lrp_tensor *const *in,
                             lrp_tensor *const *out, lrp_forward_ctx *scratch);

lrp_status lrp_pooling_infer(const lrp_node *n, lrp_tensor *const *in, lrp_tensor *const *out,
                             lrp_error *err);

#endif
