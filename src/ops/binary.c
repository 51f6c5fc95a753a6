/* Add, Sub, Mul, Div: elementwise with numpy broadcasting. float32 runs in
 * forward(); int64 (shape arithmetic such as N * C) folds in infer() when
 * both inputs are known, and otherwise runs in forward() too. */
#include "ops/broadcast.h"
#include "ops/registry.h"
#include "ops/shape_util.h"

static lrp_status check_dtypes(const lrp_node *n, const lrp_tensor *a, const lrp_tensor *b,
                               lrp_error *err)
{
    char as[96], bs[96];
    if (a->dtype == b->dtype && (a->dtype == LRP_FLOAT || a->dtype == LRP_INT64))
        return LRP_OK;
    return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                         LRP_NODE_FMT "A %s is %s and B %s is %s; both must be float32 "
                                      "or both int64",
                         LRP_NODE_ARGS(n), lrp_tensor_shape_str(a, as, sizeof as),
                         lrp_dtype_name(a->dtype), lrp_tensor_shape_str(b, bs, sizeof bs),
                         lrp_dtype_name(b->dtype));
}

/* An int64 Div by zero would fold to a meaningless shape: reject it. */
static lrp_status check_divisor(const lrp_node *n, lrp_binop op, const lrp_tensor *b,
                                lrp_error *err)
{
    const int64_t *z = b->data;
    size_t count = lrp_tensor_count(b);
    for (size_t i = 0; op == LRP_BINOP_DIV && i < count; i++)
        if (z[i] == 0)
            return lrp_error_set(err, LRP_ERR_SHAPE,
                                 LRP_NODE_FMT "int64 division by "
                                              "zero (B[%zu] = 0)",
                                 LRP_NODE_ARGS(n), i);
    return LRP_OK;
}

static lrp_status binary_infer(lrp_binop op, const lrp_node *n, lrp_tensor *const *in,
                               lrp_tensor *const *out, lrp_error *err)
{
    const lrp_tensor *a = in[0], *b = in[1];
    lrp_status st = check_dtypes(n, a, b, err);
    if (st || (st = lrp_broadcast_shape(n, a, b, out[0], err)))
        return st;
    out[0]->dtype = a->dtype;
    if (a->dtype != LRP_INT64 || !a->data || !b->data)
        return LRP_OK;
    if ((st = check_divisor(n, op, b, err)) || (st = lrp_shape_alloc_int64(n, out[0], err)))
        return st;
    lrp_broadcast_i64(op, a, b, out[0]);
    return LRP_OK;
}

static void binary_forward(lrp_binop op, const lrp_tensor *const *in, lrp_tensor *const *out,
                           const lrp_forward_ctx *scratch)
{
    if (in[0]->dtype == LRP_INT64)
        lrp_broadcast_i64(op, in[0], in[1], out[0]);
    else
        lrp_broadcast_f32_on(scratch->pool, op, in[0], in[1], out[0], scratch->epi.relu);
}

static lrp_status add_infer(const lrp_node *n, lrp_tensor *const *in, lrp_tensor *const *out,
                            lrp_error *err)
{
    return binary_infer(LRP_BINOP_ADD, n, in, out, err);
}

static lrp_status sub_infer(const lrp_node *n, lrp_tensor *const *in, lrp_tensor *const *out,
                            lrp_error *err)
{
    return binary_infer(LRP_BINOP_SUB, n, in, out, err);
}

static lrp_status mul_infer(const lrp_node *n, lrp_tensor *const *in, lrp_tensor *const *out,
                            lrp_error *err)
{
    return binary_infer(LRP_BINOP_MUL, n, in, out, err);
}

static lrp_status div_infer(const lrp_node *n, lrp_tensor *const *in, lrp_tensor *const *out,
                            lrp_error *err)
{
    return binary_infer(LRP_BINOP_DIV, n, in, out, err);
}

static void add_forward(const lrp_node *n, const lrp_tensor *const *in, lrp_tensor *const *out,
                        lrp_forward_ctx *scratch)
{
    (void)n;
    binary_forward(LRP_BINOP_ADD, in, out, scratch);
}

static void sub_forward(const lrp_node *n, const lrp_tensor *const *in, lrp_tensor *const *out,
                        lrp_forward_ctx *scratch)
{
    (void)n;
    binary_forward(LRP_BINOP_SUB, in, out, scratch);
}

static void mul_forward(const lrp_node *n, const lrp_tensor *const *in, lrp_tensor *const *out,
                        lrp_forward_ctx *scratch)
{
    (void)n;
    binary_forward(LRP_BINOP_MUL, in, out, scratch);
}

static void div_forward(const lrp_node *n, const lrp_tensor *const *in, lrp_tensor *const *out,
                        lrp_forward_ctx *scratch)
{
    (void)n;
    binary_forward(LRP_BINOP_DIV, in, out, scratch);
}

const lrp_op lrp_op_add = {
    .name = "Add",
    .min_inputs = 2,
    .max_inputs = 2,
    .n_outputs = 1,
    .relevance = LRP_REL_SUM,
    .sum_sign = 1,
    .keeps_sign = true,
    .infer = add_infer,
    .forward = add_forward,
    .relu_epilogue = true,
};

const lrp_op lrp_op_sub = {
    .name = "Sub",
    .min_inputs = 2,
    .max_inputs = 2,
    .n_outputs = 1,
    .relevance = LRP_REL_SUM,
    .sum_sign = -1,
    .infer = sub_infer,
    .forward = sub_forward,
    .relu_epilogue = true,
};

const lrp_op lrp_op_mul = {
    .name = "Mul",
    .min_inputs = 2,
    .max_inputs = 2,
    .n_outputs = 1,
    .relevance = LRP_REL_MUL,
    .infer = mul_infer,
    .forward = mul_forward,
    .relu_epilogue = true,
};

const lrp_op lrp_op_div = {
    .name = "Div",
    .min_inputs = 2,
    .max_inputs = 2,
    .n_outputs = 1,
    .relevance = LRP_REL_DIV,
    .infer = div_infer,
    .forward = div_forward,
    .relu_epilogue = true,
};
