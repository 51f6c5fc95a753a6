/* What inspect reports: shapes, op counts, parameters, FLOPs and the
 * residual split points of a loaded model. */
#include <string.h>

#include "api/model.h"

/* Multiply-accumulates of every unfolded node at the shapes in s. */
static double count_flops(const lrp_graph *g, const lrp_shapes *s)
{
    double total = 0.0;
    for (int i = 0; i < g->n_nodes; i++) {
        const lrp_node *n = &g->nodes[i];
        if (!n->op->flops || s->folded[i])
            continue;
        const lrp_tensor *in[LRP_MAX_INPUTS] = {0}, *out[LRP_MAX_OUTPUTS] = {0};
        for (int k = 0; k < n->n_inputs && k < LRP_MAX_INPUTS; k++)
            in[k] = n->inputs[k] >= 0 ? &s->t[n->inputs[k]] : NULL;
        for (int k = 0; k < n->n_outputs && k < LRP_MAX_OUTPUTS; k++)
            out[k] = &s->t[n->outputs[k]];
        total += n->op->flops(n, in, out);
    }
    return total;
}

static lrp_status fill_flops(const lrp_model *m, lrp_model_info *info, lrp_error *err)
{
    const lrp_tensor *x = &m->graph.values[m->graph.inputs[0]].tensor;
    lrp_tensor bound = *x;
    bound.data = NULL;
    for (int i = 0; i < x->rank; i++)
        if (bound.dims[i] < 0)
            bound.dims[i] = i == 0 ? 1 : 224;
    memcpy(info->flops_dims, bound.dims, sizeof info->flops_dims);
    lrp_shapes s;
    lrp_status st = lrp_shapes_infer(&m->graph, &bound, &s, err);
    if (st) {
        lrp_error_prefix(err, "%s: at input size 224", m->path);
        return st;
    }
    info->flops = count_flops(&m->graph, &s);
    lrp_shapes_free(&s);
    return LRP_OK;
}

lrp_status lrp_model_get_info(const lrp_model *m, lrp_model_info *info, lrp_error *err)
{
    const lrp_graph *g = &m->graph;
    memset(info, 0, sizeof *info);
    info->opset = g->opset;
    info->n_nodes = g->n_nodes;
    const lrp_value *in = &g->values[g->inputs[0]], *out = &g->values[g->outputs[0]];
    const lrp_tensor *out_t = &m->shapes.t[g->outputs[0]];
    info->input_name = in->name;
    info->input_rank = in->tensor.rank;
    memcpy(info->input_dims, in->tensor.dims, sizeof info->input_dims);
    info->output_name = out->name;
    info->output_rank = out_t->rank;
    memcpy(info->output_dims, out_t->dims, sizeof info->output_dims);
    info->params = lrp_graph_weight_count(g);
    while (lrp_model_op_type(m, info->n_op_types, NULL))
        info->n_op_types++;
    info->n_residual_adds = m->n_residuals;
    info->output_kind = lrp_model_output_kind(m);
    info->n_unclassified_adds = m->n_plain_adds;
    return fill_flops(m, info, err);
}

const char *lrp_model_op_type(const lrp_model *m, int i, int *count)
{
    if (i < 0 || i >= m->n_op_types)
        return NULL;
    if (count)
        *count = m->op_counts[i];
    return m->op_types[i]->name;
}

lrp_residual_add lrp_model_residual_add(const lrp_model *m, int i)
{
    if (i < 0 || i >= m->n_residuals)
        return (lrp_residual_add){0};
    const lrp_residual *r = &m->residuals[i];
    const lrp_graph *g = &m->graph;
    return (lrp_residual_add){
        .node = g->nodes[r->node].name,
        .kind = r->kind == LRP_SHORTCUT_IDENTITY ? "identity" : "projection",
        .mainstream = g->values[r->mainstream].name,
        .shortcut = g->values[r->shortcut].name,
        .block_input = g->values[r->block_input].name,
    };
}

lrp_unclassified_add lrp_model_unclassified_add(const lrp_model *m, int i)
{
    if (i < 0 || i >= m->n_plain_adds)
        return (lrp_unclassified_add){0};
    const lrp_plain_add *p = &m->plain_adds[i];
    return (lrp_unclassified_add){.node = m->graph.nodes[p->node].name, .reason = p->reason};
}
