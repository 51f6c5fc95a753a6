/* ModelProto -> lrp_graph: unpack with protobuf-c, convert every value,
 * node and attribute into our own structs, free the protobuf, link. */
#include "onnx/import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx.pb-c.h"
#include "onnx/tensor_proto.h"
#include "onnx/wire_depth.h"
#include "ops/op.h"

/* Open-addressing map from tensor name to value index, so that 100,000
 * nodes import in linear time. */
typedef struct name_table {
    int *slots; /* value index + 1; 0 = empty */
    size_t mask;
} name_table;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211ull;
    return h;
}

typedef struct importer {
    lrp_graph *g;
    name_table names;
    int cap_values;
    lrp_error *err;
} importer;

static lrp_status oom(importer *im)
{
    return lrp_error_set(im->err, LRP_ERR_NOMEM, "out of memory while importing");
}

/* protobuf-c leaves absent strings NULL: our IR holds "" then. */
static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

/* The index of value 'name', created when new; -1 on allocation failure. */
static int value_index(importer *im, const char *name)
{
    lrp_graph *g = im->g;
    size_t i = hash_str(name) & im->names.mask;
    while (im->names.slots[i]) {
        int v = im->names.slots[i] - 1;
        if (strcmp(g->values[v].name, name) == 0)
            return v;
        i = (i + 1) & im->names.mask;
    }
    if (g->n_values == im->cap_values)
        return -1; /* sized up front; see count_names() */
    lrp_value *v = &g->values[g->n_values];
    memset(v, 0, sizeof *v);
    if (!(v->name = dup_or_empty(name)))
        return -1;
    v->producer = -1;
    im->names.slots[i] = ++g->n_values;
    return g->n_values - 1;
}

/* Upper bound on distinct tensor names, to size the value and name tables. */
static size_t count_names(const Onnx__GraphProto *gp)
{
    size_t n = gp->n_initializer + gp->n_input + gp->n_output;
    for (size_t i = 0; i < gp->n_node; i++)
        n += gp->node[i]->n_input + gp->node[i]->n_output;
    return n;
}

static lrp_status init_tables(importer *im, const Onnx__GraphProto *gp)
{
    size_t n = count_names(gp) + 1, slots = 16;
    if (n > (size_t)1 << 28)
        return lrp_error_set(im->err, LRP_ERR_LIMIT, "the graph names %zu tensors, too many",
                             n);
    while (slots < 2 * n)
        slots <<= 1;
    im->names.slots = calloc(slots, sizeof *im->names.slots);
    im->names.mask = slots - 1;
    im->g->values = calloc(n, sizeof *im->g->values);
    im->cap_values = (int)n;
    return im->names.slots && im->g->values ? LRP_OK : oom(im);
}

static lrp_status add_initializers(importer *im, const Onnx__GraphProto *gp)
{
    for (size_t i = 0; i < gp->n_initializer; i++) {
        Onnx__TensorProto *tp = gp->initializer[i];
        int v = value_index(im, tp->name ? tp->name : "");
        if (v < 0)
            return oom(im);
        lrp_value *val = &im->g->values[v];
        if (val->tensor.data)
            return lrp_error_set(im->err, LRP_ERR_GRAPH, "initializer '%s' is defined twice",
                                 val->name);
        lrp_status st = lrp_tensor_from_proto(tp, val->name, &val->tensor, im->err);
        if (st)
            return st;
    }
    return LRP_OK;
}

/* A graph input's declared type: float32 with dims; dim_param and unset
 * dims become -1 (bound later from the actual input). */
static lrp_status read_value_info(importer *im, const Onnx__ValueInfoProto *vi, lrp_value *v)
{
    const Onnx__TypeProto *tp = vi->type;
    if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type)
        return lrp_error_set(im->err, LRP_ERR_UNSUPPORTED, "graph input '%s' is not a tensor",
                             v->name);
    const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
    if (tt->elem_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT)
        return lrp_error_set(im->err, LRP_ERR_UNSUPPORTED,
                             "graph input '%s' has element type %d; only float32 inputs are "
                             "supported",
                             v->name, (int)tt->elem_type);
    v->tensor.dtype = LRP_FLOAT;
    if (!tt->shape)
        return lrp_error_set(im->err, LRP_ERR_UNSUPPORTED, "graph input '%s' has no shape",
                             v->name);
    if (tt->shape->n_dim > LRP_MAX_RANK)
        return lrp_error_set(im->err, LRP_ERR_UNSUPPORTED, "graph input '%s' has rank %zu",
                             v->name, tt->shape->n_dim);
    v->tensor.rank = (int)tt->shape->n_dim;
    for (size_t d = 0; d < tt->shape->n_dim; d++) {
        const Onnx__TensorShapeProto__Dimension *dim = tt->shape->dim[d];
        bool fixed = dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
        if (fixed && dim->dim_value < 0)
            return lrp_error_set(im->err, LRP_ERR_PARSE, "graph input '%s' has dim %zu = %lld",
                                 v->name, d, (long long)dim->dim_value);
        v->tensor.dims[d] = fixed && dim->dim_value > 0 ? dim->dim_value : -1;
    }
    return LRP_OK;
}

static lrp_status add_inputs_outputs(importer *im, const Onnx__GraphProto *gp)
{
    lrp_graph *g = im->g;
    g->inputs = calloc(gp->n_input + 1, sizeof *g->inputs);
    g->outputs = calloc(gp->n_output + 1, sizeof *g->outputs);
    if (!g->inputs || !g->outputs)
        return oom(im);
    for (size_t i = 0; i < gp->n_input; i++) {
        int v = value_index(im, gp->input[i]->name ? gp->input[i]->name : "");
        if (v < 0)
            return oom(im);
        if (im->g->values[v].tensor.data)
            continue; /* older exporters list initializers as inputs too */
        lrp_status st = read_value_info(im, gp->input[i], &g->values[v]);
        if (st)
            return st;
        g->values[v].is_input = true;
        g->inputs[g->n_inputs++] = v;
    }
    for (size_t i = 0; i < gp->n_output; i++) {
        int v = value_index(im, gp->output[i]->name ? gp->output[i]->name : "");
        if (v < 0)
            return oom(im);
        g->values[v].is_output = true;
        g->outputs[g->n_outputs++] = v;
    }
    if (g->n_inputs != 1 || g->n_outputs < 1)
        return lrp_error_set(im->err, LRP_ERR_UNSUPPORTED,
                             "the graph has %d non-initializer inputs and %d outputs; "
                             "onnx-lrp needs exactly one input (the image batch) and an output",
                             g->n_inputs, g->n_outputs);
    return LRP_OK;
}

static lrp_status convert_attr(importer *im, const lrp_node *n, const Onnx__AttributeProto *ap,
                               lrp_attr *a)
{
    if (!(a->name = dup_or_empty(ap->name)))
        return oom(im);
    a->type = (lrp_attr_type)ap->type;
    switch (ap->type) {
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT: a->f = ap->f; break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT: a->i = ap->i; break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING:
        if (!(a->s = malloc(ap->s.len + 1)))
            return oom(im);
        if (ap->s.len)
            memcpy(a->s, ap->s.data, ap->s.len);
        a->s[ap->s.len] = '\0';
        break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS:
        a->n = (int)ap->n_ints;
        if (!(a->ints = malloc(sizeof *a->ints * (ap->n_ints + 1))))
            return oom(im);
        if (ap->n_ints)
            memcpy(a->ints, ap->ints, sizeof *a->ints * ap->n_ints);
        break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS:
        a->n = (int)ap->n_floats;
        if (!(a->floats = malloc(sizeof *a->floats * (ap->n_floats + 1))))
            return oom(im);
        if (ap->n_floats)
            memcpy(a->floats, ap->floats, sizeof *a->floats * ap->n_floats);
        break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR:
        if (!ap->t)
            return lrp_error_set(im->err, LRP_ERR_PARSE,
                                 LRP_NODE_FMT "attribute '%s' has no tensor", LRP_NODE_ARGS(n),
                                 a->name);
        return lrp_tensor_from_proto(ap->t, a->name, &a->t, im->err);
    default:
        return lrp_error_set(im->err, LRP_ERR_UNSUPPORTED,
                             LRP_NODE_FMT "attribute '%s' has an unsupported type (%d)",
                             LRP_NODE_ARGS(n), a->name, (int)ap->type);
    }
    return LRP_OK;
}

/* A value no name refers to: an omitted optional output ("" in ONNX). */
static int anonymous_value(importer *im)
{
    lrp_graph *g = im->g;
    if (g->n_values == im->cap_values)
        return -1;
    lrp_value *v = &g->values[g->n_values];
    memset(v, 0, sizeof *v);
    if (!(v->name = dup_or_empty("")))
        return -1;
    v->producer = -1;
    return g->n_values++;
}

/* Names -> value indices. An empty input name is an omitted optional input
 * (-1); an empty output name still gets a value of its own, nameless, so
 * every node output is a real value. */
static lrp_status convert_io(importer *im, char **names, size_t count, bool outputs, int **out,
                             int *n_out)
{
    *out = malloc(sizeof **out * (count + 1));
    if (!*out)
        return oom(im);
    for (size_t i = 0; i < count; i++) {
        const char *name = names[i] ? names[i] : "";
        int v = name[0] ? value_index(im, name) : outputs ? anonymous_value(im) : -1;
        if ((name[0] || outputs) && v < 0)
            return oom(im);
        (*out)[i] = v;
    }
    *n_out = (int)count;
    return LRP_OK;
}

static lrp_status convert_node(importer *im, const Onnx__NodeProto *np, size_t index,
                               lrp_node *n)
{
    char fallback[32];
    snprintf(fallback, sizeof fallback, "#%zu", index);
    n->name = dup_or_empty(np->name && np->name[0] ? np->name : fallback);
    n->op_type = dup_or_empty(np->op_type);
    n->attrs = calloc(np->n_attribute + 1, sizeof *n->attrs);
    if (!n->name || !n->op_type || !n->attrs)
        return oom(im);
    lrp_status st = convert_io(im, np->input, np->n_input, false, &n->inputs, &n->n_inputs);
    if (st == LRP_OK)
        st = convert_io(im, np->output, np->n_output, true, &n->outputs, &n->n_outputs);
    for (size_t i = 0; st == LRP_OK && i < np->n_attribute; i++) {
        st = convert_attr(im, n, np->attribute[i], &n->attrs[n->n_attrs]);
        n->n_attrs++;
    }
    if (st == LRP_OK) {
        /* the opset, for ops whose semantics changed (Softmax) */
        lrp_attr *a = &n->attrs[n->n_attrs];
        if (!(a->name = dup_or_empty("_opset")))
            return oom(im);
        a->type = LRP_ATTR_INT;
        a->i = im->g->opset;
        n->n_attrs++;
    }
    return st;
}

static bool is_default_domain(const char *d)
{
    return !d || !d[0] || strcmp(d, "ai.onnx") == 0;
}

/* Every op_type onnx-lrp lacks, listed at once: "Foo (2 nodes), Bar". */
static lrp_status check_ops(importer *im, const Onnx__GraphProto *gp)
{
    char list[400] = "";
    size_t len = 0;
    int missing = 0;
    for (size_t i = 0; i < gp->n_node; i++) {
        const Onnx__NodeProto *np = gp->node[i];
        const char *op = np->op_type ? np->op_type : "";
        if (is_default_domain(np->domain) && lrp_op_find(op))
            continue;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = gp->node[j]->op_type && strcmp(gp->node[j]->op_type, op) == 0 &&
                   !(is_default_domain(gp->node[j]->domain) && lrp_op_find(op));
        if (seen)
            continue;
        if (len < sizeof list)
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%s%s%s (node '%s')",
                                    missing ? ", " : "",
                                    is_default_domain(np->domain) ? "" : np->domain,
                                    is_default_domain(np->domain) ? "" : ".", op,
                                    np->name ? np->name : "");
        missing++;
    }
    if (!missing)
        return LRP_OK;
    return lrp_error_set(im->err, LRP_ERR_UNSUPPORTED, "%d unsupported op type%s: %s", missing,
                         missing > 1 ? "s" : "", list);
}

static lrp_status add_nodes(importer *im, const Onnx__GraphProto *gp)
{
    lrp_graph *g = im->g;
    if (gp->n_node > (size_t)1 << 24)
        return lrp_error_set(im->err, LRP_ERR_LIMIT, "the graph has %zu nodes, too many",
                             gp->n_node);
    g->nodes = calloc(gp->n_node + 1, sizeof *g->nodes);
    if (!g->nodes)
        return oom(im);
    for (size_t i = 0; i < gp->n_node; i++) {
        lrp_status st = convert_node(im, gp->node[i], i, &g->nodes[i]);
        g->n_nodes++;
        if (st)
            return st;
    }
    return LRP_OK;
}

static lrp_status read_opset(importer *im, const Onnx__ModelProto *mp)
{
    for (size_t i = 0; i < mp->n_opset_import; i++)
        if (is_default_domain(mp->opset_import[i]->domain))
            im->g->opset = mp->opset_import[i]->version;
    if (im->g->opset == 0)
        return lrp_error_set(im->err, LRP_ERR_PARSE, "the model declares no ONNX opset");
    return LRP_OK;
}

static lrp_status read_metadata(importer *im, const Onnx__ModelProto *mp)
{
    lrp_graph *g = im->g;
    g->meta_keys = calloc(mp->n_metadata_props + 1, sizeof *g->meta_keys);
    g->meta_values = calloc(mp->n_metadata_props + 1, sizeof *g->meta_values);
    if (!g->meta_keys || !g->meta_values)
        return oom(im);
    for (size_t i = 0; i < mp->n_metadata_props; i++) {
        g->meta_keys[i] = dup_or_empty(mp->metadata_props[i]->key);
        g->meta_values[i] = dup_or_empty(mp->metadata_props[i]->value);
        g->n_meta++;
        if (!g->meta_keys[i] || !g->meta_values[i])
            return oom(im);
    }
    return LRP_OK;
}

static lrp_status import_model(importer *im, const Onnx__ModelProto *mp)
{
    const Onnx__GraphProto *gp = mp->graph;
    if (!gp || mp->n_opset_import == 0)
        return lrp_error_set(im->err, LRP_ERR_PARSE,
                             "not an ONNX model (no graph or no opset_import)");
    lrp_status st;
    if ((st = read_opset(im, mp)) || (st = check_ops(im, gp)) || (st = init_tables(im, gp)) ||
        (st = add_initializers(im, gp)) || (st = add_inputs_outputs(im, gp)) ||
        (st = add_nodes(im, gp)) || (st = read_metadata(im, mp)))
        return st;
    return LRP_OK;
}

lrp_status lrp_onnx_import(const void *buf, size_t size, lrp_graph *g, lrp_error *err)
{
    memset(g, 0, sizeof *g);
    lrp_status depth = lrp_wire_check_depth(buf, size, &onnx__model_proto__descriptor, err);
    if (depth)
        return depth;
    Onnx__ModelProto *mp = onnx__model_proto__unpack(NULL, size, buf);
    if (!mp)
        return lrp_error_set(err, LRP_ERR_PARSE,
                             "not a valid ONNX protobuf (truncated or not an ONNX file)");
    importer im = {.g = g, .err = err};
    lrp_status st = import_model(&im, mp);
    onnx__model_proto__free_unpacked(mp, NULL);
    free(im.names.slots);
    if (st)
        lrp_graph_free(g);
    return st;
}
