/* Forward executor over the topological order. */
#include "explain/forward.h"
#include "explain/offsets.h"
#include "ops/conv_dnnl.h"
#include "ops/registry.h"
#include "passes/infer_shapes.h"

#include <stdlib.h>
#include <string.h>

void lrp_forward_free(lrp_forward *f)
{
    if (!f)
        return;
    lrp_shapes_free(&f->values);
    lrp_fusion_free(&f->fusion);
    lrp_layouts_free(&f->layouts);
    free(f->packable);
    free(f->arena);
    free(f->ctx.data);
    memset(f, 0, sizeof *f);
}

/* Activations: float values not constant nor folded, the input included,
 * except those a fused kernel never writes. */
static bool needs_buffer(const lrp_forward *f, int v)
{
    const lrp_tensor *t = &f->values.t[v];
    return t->dtype == LRP_FLOAT && !t->data && !f->fusion.hidden[v];
}

static size_t scratch_floats(const lrp_forward *f)
{
    size_t most = 0;
    for (int i = 0; i < f->g->n_nodes; i++) {
        const lrp_node *n = &f->g->nodes[i];
        if (!n->op->scratch_floats || f->values.folded[i])
            continue;
        const lrp_tensor *in[LRP_MAX_INPUTS] = {0}, *out[LRP_MAX_OUTPUTS] = {0};
        for (int k = 0; k < n->n_inputs; k++)
            in[k] = n->inputs[k] >= 0 ? &f->values.t[n->inputs[k]] : NULL;
        for (int k = 0; k < n->n_outputs; k++)
            out[k] = &f->values.t[n->outputs[k]];
        size_t s = n->op->scratch_floats(n, in, out);
        most = s > most ? s : most;
    }
    return most;
}

/* Lifetimes in topological steps: from the producer (or the kernel that
 * writes it for a fused chain) to the last consumer, or to the end for kept
 * values (the input, outputs, what rules read). */
static lrp_interval *lifetimes(const lrp_forward *f, const lrp_keep *keep, const int *pos)
{
    const lrp_graph *g = f->g;
    lrp_interval *iv = calloc((size_t)g->n_values + 1, sizeof *iv);
    if (!iv)
        return NULL;
    for (int v = 0; v < g->n_values; v++) {
        const lrp_value *val = &g->values[v];
        if (!needs_buffer(f, v))
            continue;
        iv[v].size = lrp_tensor_count(&f->values.t[v]); /* <= 2^40: sums cannot overflow */
        iv[v].start = iv[v].end = val->producer >= 0 ? pos[val->producer] : -1;
        for (int c = 0; c < val->n_consumers; c++)
            iv[v].end = pos[val->consumers[c]] > iv[v].end ? pos[val->consumers[c]] : iv[v].end;
        if (val->is_input || val->is_output || (keep && keep[v]))
            iv[v].end = g->n_nodes;
    }
    for (int i = 0; i < g->n_nodes; i++) {
        int v = f->fusion.out_value[i];
        if (v >= 0 && iv[v].size && pos[i] < iv[v].start)
            iv[v].start = pos[i];
    }
    return iv;
}

static lrp_status allocate(lrp_forward *f, const lrp_keep *keep, const int *pos,
                           size_t max_bytes, lrp_error *err)
{
    size_t total = 0, scratch = scratch_floats(f);
    lrp_interval *iv = lifetimes(f, keep, pos);
    if (!iv || !lrp_plan_offsets(iv, f->g->n_values, &total)) {
        free(iv);
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory planning activations");
    }
    size_t bytes = (total + scratch) * sizeof(float);
    if (bytes > max_bytes) {
        free(iv);
        return lrp_error_set(err, LRP_ERR_LIMIT,
                             "activations need %.1f MiB, more than the limit of %.1f MiB",
                             (double)bytes / (1 << 20), (double)max_bytes / (1 << 20));
    }
    f->kept_floats = 0; /* what the passes after it read: explain --json's kept_mib */
    for (int v = 0; v < f->g->n_values; v++)
        if (iv[v].size && iv[v].end == f->g->n_nodes)
            f->kept_floats += lrp_tensor_count(&f->values.t[v]);
    f->arena = malloc(total ? total * sizeof(float) : 1);
    f->ctx.data = malloc(scratch ? scratch * sizeof(float) : 1);
    f->ctx.floats = scratch;
    f->arena_floats = total;
    if (f->arena && f->ctx.data) {
        /* the pages faulted in here (at a warm-up) rather than in the
         * first run */
        memset(f->arena, 0, total * sizeof(float));
        memset(f->ctx.data, 0, scratch * sizeof(float));
        for (int v = 0; v < f->g->n_values; v++)
            if (needs_buffer(f, v))
                f->values.t[v].data = f->arena + iv[v].offset;
    }
    free(iv);
    if (!f->arena || !f->ctx.data)
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory for %.1f MiB of activations",
                             (double)bytes / (1 << 20));
    return LRP_OK;
}

/* Per node: its second input (a conv's W) is a constant, not an activation:
 * before allocation, only constants have data. */
static lrp_status mark_packable(lrp_forward *f, lrp_error *err)
{
    f->packable = calloc((size_t)f->g->n_nodes + 1, sizeof *f->packable);
    if (!f->packable)
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory planning the forward pass");
    for (int i = 0; i < f->g->n_nodes; i++) {
        const lrp_node *n = &f->g->nodes[i];
        f->packable[i] = n->n_inputs > 1 && n->inputs[1] >= 0 &&
                         f->values.t[n->inputs[1]].data != NULL;
    }
    return LRP_OK;
}

/* With every dim known, shape-valued (int64) results must have folded and
 * every remaining node must have a kernel. */
static lrp_status check_runnable(const lrp_forward *f, lrp_error *err)
{
    for (int i = 0; i < f->g->n_nodes; i++) {
        const lrp_node *n = &f->g->nodes[i];
        if (f->values.folded[i])
            continue;
        bool int_out = false;
        for (int k = 0; k < n->n_outputs; k++)
            int_out = int_out || f->values.t[n->outputs[k]].dtype != LRP_FLOAT;
        if (!n->op->forward || int_out)
            return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                                 LRP_NODE_FMT "its output cannot be computed (an int64 "
                                              "tensor that depends on float data?)",
                                 LRP_NODE_ARGS(n));
    }
    return LRP_OK;
}

lrp_status lrp_forward_init(lrp_forward *f, const lrp_graph *g, int rank, const int64_t *dims,
                            const lrp_keep *keep, size_t max_bytes, lrp_error *err)
{
    memset(f, 0, sizeof *f);
    f->g = g;
    lrp_tensor input;
    lrp_status st = lrp_shapes_bind_input(g, rank, dims, &input, err);
    if (st == LRP_OK)
        st = lrp_shapes_infer(g, &input, &f->values, err);
    if (st == LRP_OK)
        st = check_runnable(f, err);
    int *pos = st == LRP_OK ? malloc(sizeof *pos * ((size_t)g->n_nodes + 1)) : NULL;
    if (st == LRP_OK && !pos)
        st = lrp_error_set(err, LRP_ERR_NOMEM, "out of memory planning activations");
    for (int i = 0; st == LRP_OK && i < g->n_nodes; i++)
        pos[g->order[i]] = i;
    if (st == LRP_OK)
        st = lrp_fusion_plan(&f->fusion, g, &f->values, keep, pos, err);
    if (st == LRP_OK)
        st = mark_packable(f, err);
    if (st == LRP_OK)
        st = lrp_layouts_init(&f->layouts, g, &f->values, &f->fusion, f->packable, keep, err);
    if (st == LRP_OK)
        st = allocate(f, keep, pos, max_bytes, err);
    free(pos);
    if (st)
        lrp_forward_free(f);
    return st;
}

/* The nodes in order; convs_only: the Convs alone (a warm-up, whose other
 * kernels would compute nothing of use). */
static void run_nodes(lrp_forward *f, lrp_pool *pool, lrp_dnnl *dnnl, bool convs_only)
{
    f->ctx.pool = pool;
    f->ctx.failed = NULL;
    const lrp_graph *g = f->g;
    const lrp_fusion *fu = &f->fusion;
    if (dnnl && f->layouts.planned_for != dnnl)
        lrp_layouts_plan(&f->layouts, g, &f->values, fu, f->packable, pool, dnnl);
    const bool *blocked = f->layouts.blocked;
    for (int i = 0; i < g->n_nodes; i++) {
        int idx = g->order[i];
        const lrp_node *n = &g->nodes[idx];
        if (f->values.folded[idx] || !n->op->forward || f->fusion.done_by[idx] >= 0 ||
            (convs_only && n->op != &lrp_op_conv))
            continue;
        const lrp_tensor *in[LRP_MAX_INPUTS] = {0};
        lrp_tensor *out[LRP_MAX_OUTPUTS] = {0};
        for (int k = 0; k < n->n_inputs; k++)
            in[k] = n->inputs[k] >= 0 ? &f->values.t[n->inputs[k]] : NULL;
        for (int k = 0; k < n->n_outputs; k++)
            out[k] = &f->values.t[n->outputs[k]];
        if (n->n_outputs > 0)
            out[0] = &f->values.t[fu->out_value[idx]];
        f->ctx.dnnl = f->packable[idx] ? dnnl : NULL;
        int add = fu->add_value[idx], xv = n->n_inputs > 0 ? n->inputs[0] : -1;
        bool kept_blocked = f->ctx.dnnl != NULL; /* the layouts planned for dnnl */
        f->ctx.epi = (lrp_epilogue){.add = add >= 0 ? f->values.t[add].data : NULL,
                                    .relu = fu->relu[idx],
                                    .x_blocked = kept_blocked && xv >= 0 && blocked[xv],
                                    .y_blocked = kept_blocked && n->n_outputs > 0 &&
                                                 blocked[fu->out_value[idx]],
                                    .add_blocked = kept_blocked && add >= 0 && blocked[add]};
        n->op->forward(n, in, out, &f->ctx);
    }
    f->ctx.epi = (lrp_epilogue){0};
    f->ctx.dnnl = NULL;
}

lrp_status lrp_forward_run(lrp_forward *f, const float *input, lrp_pool *pool, lrp_dnnl *dnnl,
                           lrp_error *err)
{
    lrp_tensor *x = &f->values.t[f->g->inputs[0]];
    memcpy(x->data, input, lrp_tensor_count(x) * sizeof(float));
    f->ran_on = dnnl;
    run_nodes(f, pool, dnnl, false);
    const lrp_node *n = f->ctx.failed;
    if (n)
        return lrp_error_set(err, LRP_ERR_NOMEM,
                             LRP_NODE_FMT "oneDNN ran out of memory on a tensor in its blocked "
                                          "layout",
                             LRP_NODE_ARGS(n));
    return LRP_OK;
}

int lrp_forward_block(const lrp_forward *f, int v)
{
    return f->ran_on && f->layouts.blocked && f->layouts.blocked[v]
               ? lrp_dnnl_block_channels(f->ran_on)
               : 0;
}

void lrp_forward_warm_up(lrp_forward *f, lrp_pool *pool, lrp_dnnl *dnnl)
{
    lrp_dnnl_set_planning(true);
    run_nodes(f, pool, dnnl, true);
    lrp_dnnl_set_planning(false);
    lrp_dnnl_make_planned(dnnl, pool);
}
