/* Graph ownership, linking (producers, consumers, Kahn order) and typed
 * attribute access. */
#include "graph/graph.h"

#include <stdlib.h>
#include <string.h>

static void attr_free(lrp_attr *a)
{
    free(a->name);
    free(a->s);
    free(a->ints);
    free(a->floats);
    free(a->t.data);
}

void lrp_node_clear(lrp_node *n)
{
    free(n->name);
    free(n->op_type);
    free(n->inputs);
    free(n->outputs);
    for (int i = 0; i < n->n_attrs; i++)
        attr_free(&n->attrs[i]);
    free(n->attrs);
    free(n->params);
}

void lrp_graph_free(lrp_graph *g)
{
    if (!g)
        return;
    for (int i = 0; i < g->n_values; i++) {
        free(g->values[i].name);
        free(g->values[i].tensor.data);
        free(g->values[i].consumers);
    }
    for (int i = 0; i < g->n_nodes; i++)
        lrp_node_clear(&g->nodes[i]);
    for (int i = 0; i < g->n_meta; i++) {
        free(g->meta_keys[i]);
        free(g->meta_values[i]);
    }
    free(g->values);
    free(g->nodes);
    free(g->order);
    free(g->inputs);
    free(g->outputs);
    free(g->meta_keys);
    free(g->meta_values);
    memset(g, 0, sizeof *g);
}

/* Producers first: a value written twice is an error. */
static lrp_status link_producers(lrp_graph *g, lrp_error *err)
{
    for (int v = 0; v < g->n_values; v++)
        g->values[v].producer = -1;
    for (int i = 0; i < g->n_nodes; i++) {
        const lrp_node *n = &g->nodes[i];
        for (int k = 0; k < n->n_outputs; k++) {
            lrp_value *v = &g->values[n->outputs[k]];
            if (v->producer >= 0 || v->tensor.data || v->is_input)
                return lrp_error_set(err, LRP_ERR_GRAPH,
                                     "tensor '%s' is written by node '%s' and "
                                     "also by %s%s%s",
                                     v->name, n->name, v->producer >= 0 ? "node '" : "",
                                     v->producer >= 0 ? g->nodes[v->producer].name
                                     : v->is_input    ? "the graph input"
                                                      : "an initializer",
                                     v->producer >= 0 ? "'" : "");
            v->producer = i;
        }
    }
    return LRP_OK;
}

static lrp_status link_consumers(lrp_graph *g, lrp_error *err)
{
    for (int i = 0; i < g->n_nodes; i++) {
        const lrp_node *n = &g->nodes[i];
        for (int k = 0; k < n->n_inputs; k++) {
            if (n->inputs[k] < 0)
                continue;
            lrp_value *v = &g->values[n->inputs[k]];
            if (v->producer < 0 && !v->is_input && !v->tensor.data)
                return lrp_error_set(err, LRP_ERR_GRAPH,
                                     "node '%s' (%s) reads tensor '%s', which no "
                                     "node, input or initializer defines",
                                     n->name, n->op_type, v->name);
            int *c = realloc(v->consumers, sizeof *c * (size_t)(v->n_consumers + 1));
            if (!c)
                return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory linking the graph");
            c[v->n_consumers++] = i;
            v->consumers = c;
        }
    }
    return LRP_OK;
}

/* Kahn's algorithm over node -> node edges through values. */
static lrp_status topo_order(lrp_graph *g, lrp_error *err)
{
    int *indeg = calloc((size_t)g->n_nodes + 1, sizeof *indeg);
    int *queue = malloc(sizeof *queue * ((size_t)g->n_nodes + 1));
    if (!indeg || !queue) {
        free(indeg);
        free(queue);
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory ordering the graph");
    }
    for (int i = 0; i < g->n_nodes; i++)
        for (int k = 0; k < g->nodes[i].n_inputs; k++)
            if (g->nodes[i].inputs[k] >= 0 && g->values[g->nodes[i].inputs[k]].producer >= 0)
                indeg[i]++;
    int head = 0, tail = 0;
    for (int i = 0; i < g->n_nodes; i++)
        if (indeg[i] == 0)
            queue[tail++] = i;
    while (head < tail) {
        const lrp_node *n = &g->nodes[queue[head++]];
        for (int k = 0; k < n->n_outputs; k++) {
            const lrp_value *v = &g->values[n->outputs[k]];
            for (int c = 0; c < v->n_consumers; c++)
                if (--indeg[v->consumers[c]] == 0)
                    queue[tail++] = v->consumers[c];
        }
    }
    lrp_status st = LRP_OK;
    if (tail < g->n_nodes) {
        int stuck = 0;
        while (indeg[stuck] == 0)
            stuck++;
        st = lrp_error_set(err, LRP_ERR_GRAPH,
                           "the graph has a cycle: %d node(s) never become "
                           "ready, e.g. node '%s' (%s)",
                           g->n_nodes - tail, g->nodes[stuck].name, g->nodes[stuck].op_type);
        free(queue);
    } else {
        free(g->order);
        g->order = queue;
    }
    free(indeg);
    return st;
}

/* Every graph output must come from somewhere. */
static lrp_status check_outputs(const lrp_graph *g, lrp_error *err)
{
    for (int i = 0; i < g->n_outputs; i++) {
        const lrp_value *v = &g->values[g->outputs[i]];
        if (v->producer < 0 && !v->is_input && !v->tensor.data)
            return lrp_error_set(err, LRP_ERR_GRAPH,
                                 "graph output '%s' is not produced by any node", v->name);
    }
    return LRP_OK;
}

lrp_status lrp_graph_link(lrp_graph *g, lrp_error *err)
{
    lrp_status st = link_producers(g, err);
    if (st == LRP_OK)
        st = check_outputs(g, err);
    if (st == LRP_OK)
        st = link_consumers(g, err);
    if (st == LRP_OK)
        st = topo_order(g, err);
    return st;
}

const lrp_attr *lrp_node_attr(const lrp_node *n, const char *name)
{
    for (int i = 0; i < n->n_attrs; i++)
        if (strcmp(n->attrs[i].name, name) == 0)
            return &n->attrs[i];
    return NULL;
}

static lrp_status wrong_type(const lrp_node *n, const char *name, const char *want,
                             lrp_error *err)
{
    return lrp_error_set(err, LRP_ERR_PARSE, "node '%s' (%s): attribute '%s' must be %s",
                         n->name, n->op_type, name, want);
}

lrp_status lrp_attr_int(const lrp_node *n, const char *name, int64_t dflt, int64_t *out,
                        lrp_error *err)
{
    const lrp_attr *a = lrp_node_attr(n, name);
    *out = dflt;
    if (!a)
        return LRP_OK;
    if (a->type != LRP_ATTR_INT)
        return wrong_type(n, name, "an int", err);
    *out = a->i;
    return LRP_OK;
}

lrp_status lrp_attr_float(const lrp_node *n, const char *name, float dflt, float *out,
                          lrp_error *err)
{
    const lrp_attr *a = lrp_node_attr(n, name);
    *out = dflt;
    if (!a)
        return LRP_OK;
    if (a->type != LRP_ATTR_FLOAT)
        return wrong_type(n, name, "a float", err);
    *out = a->f;
    return LRP_OK;
}

lrp_status lrp_attr_ints(const lrp_node *n, const char *name, int64_t *out, int max, int *count,
                         lrp_error *err)
{
    const lrp_attr *a = lrp_node_attr(n, name);
    *count = 0;
    if (!a)
        return LRP_OK;
    if (a->type != LRP_ATTR_INTS)
        return wrong_type(n, name, "a list of ints", err);
    if (a->n > max)
        return lrp_error_set(
            err, LRP_ERR_UNSUPPORTED,
            "node '%s' (%s): attribute '%s' has %d entries, at most %d supported", n->name,
            n->op_type, name, a->n, max);
    memcpy(out, a->ints, sizeof *out * (size_t)a->n);
    *count = a->n;
    return LRP_OK;
}

lrp_status lrp_attr_string(const lrp_node *n, const char *name, const char *dflt,
                           const char **out, lrp_error *err)
{
    const lrp_attr *a = lrp_node_attr(n, name);
    *out = dflt;
    if (!a)
        return LRP_OK;
    if (a->type != LRP_ATTR_STRING)
        return wrong_type(n, name, "a string", err);
    *out = a->s;
    return LRP_OK;
}

const lrp_value *lrp_node_input(const lrp_graph *g, const lrp_node *n, int i)
{
    if (i >= n->n_inputs || n->inputs[i] < 0)
        return NULL;
    return &g->values[n->inputs[i]];
}

int64_t lrp_graph_weight_count(const lrp_graph *g)
{
    int64_t n = 0;
    for (int v = 0; v < g->n_values; v++)
        if (g->values[v].tensor.data && g->values[v].tensor.dtype == LRP_FLOAT &&
            g->values[v].n_consumers > 0)
            n += (int64_t)lrp_tensor_count(&g->values[v].tensor);
    return n;
}
