/* The rule kernels, one per rule kind (dispatched by lrp_rule_kernel). */
#ifndef LRP_RULES_KERNELS_H
#define LRP_RULES_KERNELS_H

#include "rules/rules.h"

/* v[0..n) = 0 on the pool's threads. */
void lrp_zero_floats(lrp_pool *pool, float *v, size_t n);

/* Zeroes every buffer c->unzeroed names but slot 'keep' (-1: none kept):
 * the inputs a kernel does not write, or all where it writes nothing. */
void lrp_zero_inputs(const lrp_rule_ctx *c, int keep);

void lrp_z_apply(const lrp_rule_ctx *c);
size_t lrp_z_scratch_floats(const lrp_rule *r, const lrp_node *n, const lrp_tensor *const *in,
                            const lrp_tensor *out);
void lrp_pass_apply(const lrp_rule_ctx *c);
void lrp_route_apply(const lrp_rule_ctx *c);
void lrp_norm_apply(const lrp_rule_ctx *c);
void lrp_wta_apply(const lrp_rule_ctx *c);
void lrp_avg2x2_apply(const lrp_rule_ctx *c);
void lrp_sum_apply(const lrp_rule_ctx *c);
void lrp_split_apply(const lrp_rule_ctx *c);
void lrp_grad_linear_apply(const lrp_rule_ctx *c);
void lrp_grad_relu_apply(const lrp_rule_ctx *c);
void lrp_guided_relu_apply(const lrp_rule_ctx *c);
void lrp_deconv_relu_apply(const lrp_rule_ctx *c);
void lrp_grad_pool_apply(const lrp_rule_ctx *c);
void lrp_grad_sum_apply(const lrp_rule_ctx *c);
void lrp_grad_bn_apply(const lrp_rule_ctx *c);
void lrp_grad_clip_apply(const lrp_rule_ctx *c);
void lrp_grad_scale_apply(const lrp_rule_ctx *c);
void lrp_grad_mul_apply(const lrp_rule_ctx *c);
void lrp_grad_sigmoid_apply(const lrp_rule_ctx *c);

#endif
