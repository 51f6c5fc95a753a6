/* Binds each node to its op in the op table (the importer only refuses op
 * types the table lacks, naming them all at once): checks input/output
 * counts (extra optional outputs are allowed only while nothing reads them)
 * and parses attributes. */
#include "ops/op.h"
#include "passes/passes.h"

static lrp_status check_arity(const lrp_graph *g, lrp_node *n, lrp_error *err)
{
    const lrp_op *op = n->op;
    if (n->n_inputs < op->min_inputs || n->n_inputs > op->max_inputs)
        return lrp_error_set(err, LRP_ERR_PARSE,
                             LRP_NODE_FMT "has %d inputs; the op takes %d to %d",
                             LRP_NODE_ARGS(n), n->n_inputs, op->min_inputs, op->max_inputs);
    for (int k = 0; k < op->min_inputs; k++)
        if (n->inputs[k] < 0)
            return lrp_error_set(err, LRP_ERR_PARSE, LRP_NODE_FMT "required input %d is empty",
                                 LRP_NODE_ARGS(n), k);
    if (n->n_outputs < 1 || n->outputs[0] < 0)
        return lrp_error_set(err, LRP_ERR_PARSE, LRP_NODE_FMT "has no output",
                             LRP_NODE_ARGS(n));
    for (int k = op->n_outputs; k < n->n_outputs; k++) {
        const lrp_value *v = n->outputs[k] >= 0 ? &g->values[n->outputs[k]] : NULL;
        if (v && (v->n_consumers > 0 || v->is_output))
            return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                                 LRP_NODE_FMT "output %d ('%s') is used, but only the first "
                                              "%d output(s) of %s are supported",
                                 LRP_NODE_ARGS(n), k, v->name, op->n_outputs, op->name);
    }
    if (n->n_outputs > op->n_outputs)
        n->n_outputs = op->n_outputs; /* unused optional outputs: dropped */
    return LRP_OK;
}

lrp_status lrp_pass_bind_ops(lrp_graph *g, lrp_error *err)
{
    for (int i = 0; i < g->n_nodes; i++) {
        lrp_node *n = &g->nodes[i];
        if (!(n->op = lrp_op_find(n->op_type)))
            return lrp_error_set(err, LRP_ERR_UNSUPPORTED, LRP_NODE_FMT "is an unsupported op",
                                 LRP_NODE_ARGS(n));
        lrp_status st = check_arity(g, n, err);
        if (st == LRP_OK && n->op->parse)
            st = n->op->parse(n, err);
        if (st)
            return st;
    }
    return LRP_OK;
}
