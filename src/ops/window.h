/* Sliding-window geometry shared by Conv and the pools: kernel, strides,
 * dilations, pads (explicit or auto_pad), ceil_mode; 2-D (N,C,H,W) only. */
#ifndef LRP_OPS_WINDOW_H
#define LRP_OPS_WINDOW_H

#include "graph/graph.h"

typedef enum lrp_auto_pad {
    LRP_PAD_NOTSET,
    LRP_PAD_VALID,
    LRP_PAD_SAME_UPPER,
    LRP_PAD_SAME_LOWER,
} lrp_auto_pad;

typedef struct lrp_window {
    int64_t kernel[2]; /* (kH, kW); 0 = take from the weight (Conv) */
    int64_t stride[2];
    int64_t dilation[2];
    int64_t pads[4]; /* (top, left, bottom, right) as written */
    lrp_auto_pad auto_pad;
    bool ceil_mode;
} lrp_window;

/* The window resolved against one input size. */
typedef struct lrp_geom {
    int64_t in_h, in_w, out_h, out_w;
    int64_t kh, kw, sh, sw, dh, dw;
    int64_t pad_t, pad_l; /* effective leading pads */
    int64_t pad_b, pad_r; /* effective trailing pads (count_include_pad) */
} lrp_geom;

/* Reads kernel_shape, strides, dilations, pads, auto_pad, ceil_mode. */
lrp_status lrp_window_parse(const lrp_node *n, lrp_window *w, lrp_error *err);

/* Output size for input (H, W); kernel given for Conv (from W's shape).
 * Unknown input dims (-1) give unknown output dims. */
lrp_status lrp_window_resolve(const lrp_node *n, const lrp_window *w, int64_t in_h,
                              int64_t in_w, int64_t kh, int64_t kw, lrp_geom *g,
                              lrp_error *err);

/* The output columns [*begin, *end) whose windows lie wholly inside the
 * input's width (no left or right padding tap); begin <= end <= out_w. The
 * pools run them without bounds checks, the columns outside on the
 * general path. */
void lrp_geom_inner_cols(const lrp_geom *g, int64_t *begin, int64_t *end);

/* The kernel rows [*begin, *end) of output row oh whose input rows
 * oh sh - pad_t + i dh lie inside the input; begin == end when none does. */
void lrp_geom_tap_rows(const lrp_geom *g, int64_t oh, int64_t *begin, int64_t *end);

#endif
