/* What the model's first output holds (logits, probabilities or
 * log-probabilities), decided once from the graph, and the probability of
 * a class from a row of such an output. */
#include <math.h>
#include <string.h>

#include "api/model.h"

/* The Softmax-like op that produces value v, or NULL. */
static const char *final_op(const lrp_graph *g, int v)
{
    int p = g->values[v].producer;
    if (p < 0)
        return NULL;
    const char *op = g->nodes[p].op_type;
    return strcmp(op, "Softmax") == 0 || strcmp(op, "LogSoftmax") == 0 ? op : NULL;
}

int lrp_model_logits_value(const lrp_graph *g, lrp_output_kind *kind)
{
    int v = g->outputs[0];
    const char *op = final_op(g, v);
    if (kind)
        *kind = !op                           ? LRP_OUTPUT_LOGITS
                : strcmp(op, "Softmax") == 0 ? LRP_OUTPUT_PROBABILITIES
                                             : LRP_OUTPUT_LOG_PROBABILITIES;
    return op ? g->nodes[g->values[v].producer].inputs[0] : v;
}

lrp_output_kind lrp_model_output_kind(const lrp_model *m)
{
    lrp_output_kind kind;
    lrp_model_logits_value(&m->graph, &kind);
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
