/* Which activations stay in oneDNN's blocked layout (see layouts.h). */
#include "explain/layouts.h"

#include <stdlib.h>
#include <string.h>

#include "ops/registry.h"
#include "util/error.h"

void lrp_layouts_free(lrp_layouts *l)
{
    if (!l)
        return;
    free(l->candidate);
    free(l->blocked);
    memset(l, 0, sizeof *l);
}

/* Node i is a Conv that runs on its own kernel, possibly on oneDNN. */
static bool own_conv(const lrp_graph *g, const lrp_shapes *s, const lrp_fusion *fu,
                     const bool *packable, int i)
{
    return i >= 0 && g->nodes[i].op == &lrp_op_conv && !s->folded[i] && fu->done_by[i] < 0 &&
           packable[i];
}

/* The conv that reads v when node c does, and how (LRP_DNNL_X: as X;
 * LRP_DNNL_Y: the residual operand of an Add fused into it); -1 when c
 * reads v otherwise. */
static int conv_reading(const lrp_graph *g, const lrp_shapes *s, const lrp_fusion *fu,
                        const bool *packable, int c, int v, unsigned *how)
{
    const lrp_node *n = &g->nodes[c];
    if (own_conv(g, s, fu, packable, c) && n->inputs[0] == v) {
        for (int k = 1; k < n->n_inputs; k++)
            if (n->inputs[k] == v)
                return -1;
        *how = LRP_DNNL_X;
        return c;
    }
    int q = fu->done_by[c];
    if (q >= 0 && fu->add_value[q] == v && own_conv(g, s, fu, packable, q)) {
        *how = LRP_DNNL_Y;
        return q;
    }
    return -1;
}

lrp_status lrp_layouts_init(lrp_layouts *l, const lrp_graph *g, const lrp_shapes *s,
                            const lrp_fusion *fu, const bool *packable, const lrp_keep *keep,
                            lrp_error *err)
{
    memset(l, 0, sizeof *l);
    size_t values = (size_t)g->n_values + 1;
    l->candidate = calloc(values, sizeof *l->candidate);
    l->blocked = calloc(values, sizeof *l->blocked);
    if (!l->candidate || !l->blocked) {
        lrp_layouts_free(l);
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory planning the forward pass");
    }
    for (int i = 0; i < g->n_nodes; i++) {
        int v = fu->out_value[i];
        if (v < 0 || !own_conv(g, s, fu, packable, i))
            continue;
        const lrp_value *val = &g->values[v];
        bool ok = val->n_consumers > 0 && !val->is_input && !val->is_output &&
                  !(keep && keep[v] == LRP_KEEP_PLAIN) && s->t[v].dtype == LRP_FLOAT &&
                  !fu->hidden[v];
        unsigned how;
        for (int c = 0; ok && c < val->n_consumers; c++)
            ok = conv_reading(g, s, fu, packable, val->consumers[c], v, &how) >= 0;
        l->candidate[v] = ok;
    }
    return LRP_OK;
}

/* LRP_DNNL_X | LRP_DNNL_Y: what conv node i takes blocked on dnnl. */
static unsigned conv_blockable(const lrp_graph *g, const lrp_shapes *s, const lrp_fusion *fu,
                               int i, lrp_pool *pool, lrp_dnnl *dnnl)
{
    const lrp_node *n = &g->nodes[i];
    const lrp_tensor *x = &s->t[n->inputs[0]], *w = &s->t[n->inputs[1]];
    lrp_conv_shape shape;
    if (lrp_conv_shape_of(n, x, w, &shape, NULL) != LRP_OK)
        return 0;
    int add = fu->add_value[i];
    lrp_epilogue epi = {.add = add >= 0 ? s->t[add].data : NULL, .relu = fu->relu[i]};
    bool bias = n->n_inputs > 2 && n->inputs[2] >= 0;
    return lrp_dnnl_conv_blockable(dnnl, &shape, w->data, bias, &epi, pool);
}

/* blocked[v] for every candidate v, by what its convs take on dnnl. */
static void plan_pass(lrp_layouts *l, const lrp_graph *g, const lrp_shapes *s,
                      const lrp_fusion *fu, const bool *packable, lrp_pool *pool,
                      lrp_dnnl *dnnl)
{
    for (int i = 0; i < g->n_nodes; i++) {
        int v = fu->out_value[i];
        if (v < 0 || !l->candidate[v] || fu->done_by[i] >= 0)
            continue;
        const lrp_value *val = &g->values[v];
        bool ok = conv_blockable(g, s, fu, i, pool, dnnl) & LRP_DNNL_Y;
        for (int c = 0; ok && c < val->n_consumers; c++) {
            unsigned how = 0;
            int q = conv_reading(g, s, fu, packable, val->consumers[c], v, &how);
            ok = q >= 0 && (conv_blockable(g, s, fu, q, pool, dnnl) & how);
        }
        l->blocked[v] = ok;
    }
}

void lrp_layouts_plan(lrp_layouts *l, const lrp_graph *g, const lrp_shapes *s,
                      const lrp_fusion *fu, const bool *packable, lrp_pool *pool,
                      lrp_dnnl *dnnl)
{
    /* a first pass only names the convs, so that their primitives are made
       at once, on every thread; the second reads what they take */
    bool was = lrp_dnnl_set_planning(true);
    plan_pass(l, g, s, fu, packable, pool, dnnl);
    lrp_dnnl_set_planning(false);
    lrp_dnnl_make_planned(dnnl, pool);
    plan_pass(l, g, s, fu, packable, pool, dnnl);
    lrp_dnnl_set_planning(was);
    l->planned_for = dnnl;
}
