/* LogSoftmax: log of Softmax along the same axis, computed as
 * x - max - log(sum exp(x - max)). Forward only: relevance starts at its
 * input, as at a final Softmax (api/output.c). */
#include "ops/registry.h"
#include "ops/softmax.h"

static void logsoftmax_forward(const lrp_node *n, const lrp_tensor *const *in,
                               lrp_tensor *const *out, lrp_forward_ctx *scratch)
{
    (void)scratch;
    lrp_softmax_run(n, in, out, true);
}

const lrp_op lrp_op_logsoftmax = {
    .name = "LogSoftmax",
    .min_inputs = 1,
    .max_inputs = 1,
    .n_outputs = 1,
    .parse = lrp_softmax_parse,
    .infer = lrp_softmax_infer,
    .forward = logsoftmax_forward,
};
