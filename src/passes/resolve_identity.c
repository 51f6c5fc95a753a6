/* Removes Identity nodes whose input is an initializer, pointing their
 * readers at the initializer itself. Runs before linking. */
#include <stdlib.h>
#include <string.h>

#include "passes/passes.h"

static bool is_weight_identity(const lrp_graph *g, const lrp_node *n)
{
    return strcmp(n->op_type, "Identity") == 0 && n->n_inputs == 1 && n->n_outputs == 1 &&
           n->inputs[0] >= 0 && n->outputs[0] >= 0 && g->values[n->inputs[0]].tensor.data &&
           !g->values[n->outputs[0]].is_output;
}

void lrp_pass_resolve_identity(lrp_graph *g)
{
    int *alias = malloc(sizeof *alias * ((size_t)g->n_values + 1));
    if (!alias)
        return; /* the Identity nodes then simply stay */
    for (int v = 0; v < g->n_values; v++)
        alias[v] = v;
    int kept = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        lrp_node *n = &g->nodes[i];
        if (is_weight_identity(g, n)) {
            alias[n->outputs[0]] = n->inputs[0];
            lrp_node_clear(n);
            continue;
        }
        g->nodes[kept++] = *n;
    }
    g->n_nodes = kept;
    for (int i = 0; i < g->n_nodes; i++)
        for (int k = 0; k < g->nodes[i].n_inputs; k++)
            if (g->nodes[i].inputs[k] >= 0)
                g->nodes[i].inputs[k] = alias[g->nodes[i].inputs[k]];
    free(alias);
}
