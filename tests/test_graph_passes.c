/* The graph linker and the residual pass on graphs built by hand: Kahn's
 * order puts every producer first whatever the node order, a cycle and an
 * output no node writes are refused by name; the residual pass finds M, S
 * and B of identity and projection (BN kept) blocks with the operands in
 * either order (every split rule is symmetric in M and S, so the goldens
 * cannot see a swap), of a pre-activation block, and leaves an Add of two
 * unrelated activations plain, naming the shortcut ops of the op table; the
 * binding pass alone gives nodes their op (the graphs here have none) and
 * refuses an op type the table lacks by node. */
#include <stdlib.h>
#include <string.h>

#include "ops/op.h"
#include "passes/passes.h"

#include "check.h"

#define C 2 /* channels of every activation: (1, C, 4, 4) */

/* ---- graphs built by name ------------------------------------------------ */

static int value(lrp_graph *g, const char *name)
{
    for (int v = 0; v < g->n_values; v++)
        if (strcmp(g->values[v].name, name) == 0)
            return v;
    g->values = realloc(g->values, sizeof *g->values * (size_t)(g->n_values + 1));
    g->values[g->n_values] = (lrp_value){.name = strdup(name), .producer = -1};
    return g->n_values++;
}

static int *int_list(int n)
{
    return calloc((size_t)n + 1, sizeof(int));
}

/* The graph input x, (1, C, 4, 4) float. */
static void add_input(lrp_graph *g, const char *name)
{
    int v = value(g, name);
    g->values[v].is_input = true;
    g->values[v].tensor = (lrp_tensor){.dtype = LRP_FLOAT, .rank = 4, .dims = {1, C, 4, 4}};
    g->inputs = int_list(1);
    g->inputs[0] = v;
    g->n_inputs = 1;
}

static void add_output(lrp_graph *g, const char *name)
{
    g->outputs = int_list(1);
    g->outputs[0] = value(g, name);
    g->n_outputs = 1;
}

/* An initializer of 'count' floats of value 'fill', shaped (count) or, for
 * a 1x1 conv weight, (C, C, 1, 1). */
static void add_const(lrp_graph *g, const char *name, bool conv_weight, float fill)
{
    int v = value(g, name);
    int count = conv_weight ? C * C : C;
    float *data = malloc(sizeof *data * (size_t)count);
    for (int i = 0; i < count; i++)
        data[i] = fill;
    g->values[v].tensor = conv_weight ? (lrp_tensor){LRP_FLOAT, 4, {C, C, 1, 1}, data}
                                      : (lrp_tensor){LRP_FLOAT, 1, {C}, data};
}

/* Node 'out' = op(inputs...), named after its output. */
static int add_node(lrp_graph *g, const char *op, const char *out, int n_in, const char *in0,
                    const char *in1)
{
    const char *in[2] = {in0, in1};
    lrp_node n = {.name = strdup(out),
                  .op_type = strdup(op),
                  .inputs = int_list(n_in),
                  .n_inputs = n_in,
                  .outputs = int_list(1),
                  .n_outputs = 1};
    for (int k = 0; k < n_in; k++)
        n.inputs[k] = value(g, in[k]);
    n.outputs[0] = value(g, out);
    g->nodes = realloc(g->nodes, sizeof *g->nodes * (size_t)(g->n_nodes + 1));
    g->nodes[g->n_nodes] = n;
    return g->n_nodes++;
}

static int conv(lrp_graph *g, const char *out, const char *x)
{
    char w[64];
    snprintf(w, sizeof w, "%s.w", out);
    add_const(g, w, true, 0.5f);
    return add_node(g, "Conv", out, 2, x, w);
}

/* BatchNormalization reads five inputs: built directly. */
static void batchnorm(lrp_graph *g, const char *out, const char *x)
{
    static const char *const parts[] = {"scale", "bias", "mean", "var"};
    int idx = add_node(g, "BatchNormalization", out, 1, x, NULL);
    lrp_node *n = &g->nodes[idx];
    n->inputs = realloc(n->inputs, sizeof *n->inputs * 5);
    for (int k = 0; k < 4; k++) {
        char name[64];
        snprintf(name, sizeof name, "%s.%s", out, parts[k]);
        add_const(g, name, false, k == 3 ? 1.0f : 0.25f);
        n = &g->nodes[idx];
        n->inputs[1 + k] = value(g, name);
    }
    n->n_inputs = 5;
}

static int node_of(const lrp_graph *g, const char *out)
{
    for (int i = 0; i < g->n_nodes; i++)
        if (strcmp(g->values[g->nodes[i].outputs[0]].name, out) == 0)
            return i;
    return -1;
}

static int value_of(const lrp_graph *g, const char *name)
{
    for (int v = 0; v < g->n_values; v++)
        if (strcmp(g->values[v].name, name) == 0)
            return v;
    return -1;
}

/* Link, bind, infer shapes and find the residual Adds. */
typedef struct analysis {
    lrp_status st;
    lrp_error err;
    lrp_shapes shapes;
    lrp_residual *res;
    int n_res;
    lrp_plain_add *plain;
    int n_plain;
} analysis;

static analysis analyse(lrp_graph *g)
{
    analysis a = {0};
    a.st = lrp_graph_link(g, &a.err);
    if (a.st == LRP_OK)
        a.st = lrp_pass_bind_ops(g, &a.err);
    if (a.st == LRP_OK)
        a.st = lrp_shapes_infer(g, &g->values[g->inputs[0]].tensor, &a.shapes, &a.err);
    if (a.st == LRP_OK)
        a.st = lrp_pass_residual(g, &a.shapes, &a.res, &a.n_res, &a.plain, &a.n_plain, &a.err);
    return a;
}

static void analysis_free(analysis *a)
{
    lrp_shapes_free(&a->shapes);
    free(a->res);
    lrp_plain_adds_free(a->plain, a->n_plain);
}

/* The one residual Add 'add' has M = m, S = s, B = b, of this kind, the
 * shortcut's Conv 'conv' (NULL: none). */
static void expect_residual(const char *what, lrp_graph *g, const char *add, const char *m,
                            const char *s, const char *b, lrp_shortcut_kind kind,
                            const char *conv_out)
{
    analysis a = analyse(g);
    CHECK(a.st == LRP_OK, "%s: %s", what, a.err.message);
    CHECK(a.n_res == 1 && a.n_plain == 0, "%s: %d residual, %d plain Adds (want 1, 0)", what,
          a.n_res, a.n_plain);
    if (a.st == LRP_OK && a.n_res == 1) {
        const lrp_residual *r = &a.res[0];
        CHECK(r->node == node_of(g, add), "%s: the Add", what);
        CHECK(r->mainstream == value_of(g, m), "%s: M is '%s', want '%s'", what,
              g->values[r->mainstream].name, m);
        CHECK(r->shortcut == value_of(g, s), "%s: S is '%s', want '%s'", what,
              g->values[r->shortcut].name, s);
        CHECK(r->block_input == value_of(g, b), "%s: B is '%s', want '%s'", what,
              g->values[r->block_input].name, b);
        CHECK(r->kind == kind, "%s: kind %d, want %d", what, (int)r->kind, (int)kind);
        int want_conv = conv_out ? node_of(g, conv_out) : -1;
        CHECK(r->shortcut_conv == want_conv, "%s: shortcut conv %d, want %d", what,
              r->shortcut_conv, want_conv);
    }
    analysis_free(&a);
    lrp_graph_free(g);
}

/* ---- the residual pass --------------------------------------------------- */

/* x -> Relu b; b -> Conv -> Relu m; Add(m, b) or Add(b, m). */
static void identity_block(bool swapped)
{
    lrp_graph g = {0};
    add_input(&g, "x");
    add_node(&g, "Relu", "b", 1, "x", NULL);
    conv(&g, "c1", "b");
    add_node(&g, "Relu", "m", 1, "c1", NULL);
    add_node(&g, "Add", "y", 2, swapped ? "b" : "m", swapped ? "m" : "b");
    add_output(&g, "y");
    expect_residual(swapped ? "identity block, Add(B, M)" : "identity block, Add(M, B)", &g,
                    "y", "m", "b", "b", LRP_SHORTCUT_IDENTITY, NULL);
}

/* The shortcut a Conv then a BatchNormalization that stays a node of its own
 * (S is the BN's output, the chain's Conv its projection). */
static void projection_block(bool swapped)
{
    lrp_graph g = {0};
    add_input(&g, "x");
    add_node(&g, "Relu", "b", 1, "x", NULL);
    conv(&g, "c1", "b");
    add_node(&g, "Relu", "m", 1, "c1", NULL);
    conv(&g, "sc", "b");
    batchnorm(&g, "s", "sc");
    add_node(&g, "Add", "y", 2, swapped ? "s" : "m", swapped ? "m" : "s");
    add_output(&g, "y");
    expect_residual(swapped ? "projection block with BN, Add(S, M)"
                            : "projection block with BN, Add(M, S)",
                    &g, "y", "m", "s", "b", LRP_SHORTCUT_PROJECTION, "sc");
}

/* Pre-activation: B is a Conv's output (no Relu before the block); the
 * residual branch starts with the Relu. */
static void preactivation_block(void)
{
    lrp_graph g = {0};
    add_input(&g, "x");
    conv(&g, "b", "x");
    add_node(&g, "Relu", "r", 1, "b", NULL);
    conv(&g, "m", "r");
    add_node(&g, "Add", "y", 2, "b", "m");
    add_output(&g, "y");
    expect_residual("pre-activation block", &g, "y", "m", "b", "b", LRP_SHORTCUT_IDENTITY,
                    NULL);
}

/* Add(Relu(x), Sigmoid(x)): neither operand is a block input, nothing
 * leads back: a plain Add, with a reason naming its operands. */
static void plain_add(void)
{
    lrp_graph g = {0};
    add_input(&g, "x");
    add_node(&g, "Relu", "p", 1, "x", NULL);
    add_node(&g, "Sigmoid", "q", 1, "x", NULL);
    add_node(&g, "Add", "y", 2, "p", "q");
    add_output(&g, "y");
    analysis a = analyse(&g);
    CHECK(a.st == LRP_OK, "plain Add: %s", a.err.message);
    CHECK(a.n_res == 0 && a.n_plain == 1, "plain Add: %d residual, %d plain (want 0, 1)",
          a.n_res, a.n_plain);
    if (a.n_plain == 1) {
        CHECK(a.plain[0].node == node_of(&g, "y"), "plain Add: the node");
        CHECK(a.plain[0].reason && strstr(a.plain[0].reason, "'p'") &&
                  strstr(a.plain[0].reason, "'q'"),
              "plain Add: reason names both operands: %s", a.plain[0].reason);
        CHECK(a.plain[0].reason &&
                  strstr(a.plain[0].reason, "a chain of AveragePool, "
                                            "BatchNormalization, Conv, Pad, Slice reading one"),
              "plain Add: reason names the ops with shortcut_step: %s", a.plain[0].reason);
    }
    analysis_free(&a);
    lrp_graph_free(&g);
}

/* ---- binding ------------------------------------------------------------- */

/* Nodes come without an op: lrp_pass_bind_ops finds it in the table, and
 * refuses a node whose op type the table lacks, by name and type. */
static void binding(void)
{
    lrp_graph g = {0};
    add_input(&g, "x");
    add_node(&g, "Relu", "r", 1, "x", NULL);
    add_node(&g, "Sin", "y", 1, "r", NULL);
    add_output(&g, "y");
    lrp_error err = {0};
    CHECK(lrp_graph_link(&g, &err) == LRP_OK, "binding: link: %s", err.message);
    lrp_status st = lrp_pass_bind_ops(&g, &err);
    CHECK(st == LRP_ERR_UNSUPPORTED, "binding: status %d, want LRP_ERR_UNSUPPORTED", (int)st);
    CHECK(strstr(err.message, "node 'y' (Sin)"), "binding: message '%s' lacks the node",
          err.message);
    CHECK(g.nodes[0].op == lrp_op_find("Relu"), "binding: the Relu before it is bound");
    lrp_graph_free(&g);
}

/* ---- linking ------------------------------------------------------------- */

/* Nodes listed consumers first: the order still has each producer before
 * each consumer, and every node once. */
static void kahn_order(void)
{
    lrp_graph g = {0};
    add_input(&g, "x");
    add_node(&g, "Add", "y", 2, "c", "a");
    add_node(&g, "Relu", "c", 1, "b", NULL);
    add_node(&g, "Relu", "b", 1, "a", NULL);
    add_node(&g, "Relu", "a", 1, "x", NULL);
    add_output(&g, "y");
    lrp_error err = {0};
    CHECK(lrp_graph_link(&g, &err) == LRP_OK, "link: %s", err.message);
    int pos[4] = {-1, -1, -1, -1};
    for (int i = 0; g.order && i < g.n_nodes; i++)
        pos[g.order[i]] = i;
    for (int i = 0; i < g.n_nodes; i++) {
        CHECK(pos[i] >= 0, "node %d not in the order", i);
        for (int k = 0; k < g.nodes[i].n_inputs; k++) {
            int p = g.values[g.nodes[i].inputs[k]].producer;
            CHECK(p < 0 || pos[p] < pos[i], "node '%s' ordered before its producer '%s'",
                  g.nodes[i].name, p >= 0 ? g.nodes[p].name : "");
        }
    }
    int b = value_of(&g, "a");
    CHECK(g.values[b].n_consumers == 2, "'a' has %d consumers, want 2",
          g.values[b].n_consumers);
    lrp_graph_free(&g);
}

static void refused(const char *what, lrp_graph *g, const char *want)
{
    lrp_error err = {0};
    lrp_status st = lrp_graph_link(g, &err);
    CHECK(st == LRP_ERR_GRAPH, "%s: status %d, want LRP_ERR_GRAPH", what, (int)st);
    CHECK(strstr(err.message, want), "%s: message '%s' lacks '%s'", what, err.message, want);
    lrp_graph_free(g);
}

static void link_errors(void)
{
    lrp_graph g = {0};
    add_input(&g, "x");
    add_node(&g, "Add", "c", 2, "x", "d");
    add_node(&g, "Relu", "d", 1, "c", NULL);
    add_node(&g, "Relu", "y", 1, "c", NULL);
    add_output(&g, "y");
    refused("cycle", &g, "the graph has a cycle: 3 node(s) never become ready, e.g. node 'c'");

    g = (lrp_graph){0};
    add_input(&g, "x");
    add_node(&g, "Relu", "y", 1, "x", NULL);
    add_output(&g, "dangling");
    refused("dangling output", &g, "graph output 'dangling' is not produced by any node");

    g = (lrp_graph){0};
    add_input(&g, "x");
    add_node(&g, "Relu", "y", 1, "nowhere", NULL);
    add_output(&g, "y");
    refused("undefined input", &g, "reads tensor 'nowhere', which no node");

    g = (lrp_graph){0};
    add_input(&g, "x");
    add_node(&g, "Relu", "y", 1, "x", NULL);
    add_node(&g, "Sigmoid", "y", 1, "x", NULL);
    add_output(&g, "y");
    refused("two producers", &g, "tensor 'y' is written by node 'y' and also by node 'y'");
}

int main(void)
{
    identity_block(false);
    identity_block(true);
    projection_block(false);
    projection_block(true);
    preactivation_block();
    plain_add();
    binding();
    kahn_order();
    link_errors();
    return check_finish();
}
