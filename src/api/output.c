/* What the model's first output holds (logits, probabilities or
 * log-probabilities), decided once from the graph, and the probability of
 * a class from a row of such an output. */
#include <math.h>
#include <string.h>

#include "api/model.h"
#include "ops/softmax.h"

/* The (Log)Softmax over each image's classes that produces value v, or
 * NULL. One over another axis leaves v as it is: logits to softmax, and
 * on the relevance path, where explaining refuses it by name. */
static const char *final_op(const lrp_model *m, int v)
{
    int p = m->graph.values[v].producer;
    if (p < 0)
        return NULL;
    const lrp_node *n = &m->graph.nodes[p];
    bool softmax = strcmp(n->op_type, "Softmax") == 0 || strcmp(n->op_type, "LogSoftmax") == 0;
    return softmax && lrp_softmax_per_image(n, &m->shapes.t[n->inputs[0]]) ? n->op_type : NULL;
}

int lrp_model_logits_value(const lrp_model *m, lrp_output_kind *kind)
{
    const lrp_graph *g = &m->graph;
    int v = g->outputs[0];
    const char *op = final_op(m, v);
    if (kind)
        *kind = !op                          ? LRP_OUTPUT_LOGITS
                : strcmp(op, "Softmax") == 0 ? LRP_OUTPUT_PROBABILITIES
                                             : LRP_OUTPUT_LOG_PROBABILITIES;
    return op ? g->nodes[g->values[v].producer].inputs[0] : v;
}

lrp_output_kind lrp_model_output_kind(const lrp_model *m)
{
    lrp_output_kind kind;
    lrp_model_logits_value(m, &kind);
    return kind;
}

double lrp_output_probability(lrp_output_kind kind, const float *row, int n, int k)
{
    if (kind == LRP_OUTPUT_PROBABILITIES)
        return row[k];
    if (kind == LRP_OUTPUT_LOG_PROBABILITIES)
        return exp(row[k]);
    double max = row[0], sum = 0.0; /* softmax, the max subtracted first */
    for (int c = 1; c < n; c++)
        max = row[c] > max ? row[c] : max;
    for (int c = 0; c < n; c++)
        sum += exp(row[c] - max);
    return exp(row[k] - max) / sum;
}
