/* Public model API: load (import + passes + shapes), forward, metadata. */
#include "api/model.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/backend.h"
#include "blas/gemm.h"
#include "io/file.h"
#include "onnx/import.h"
#include "util/finite.h"

#define MAX_MODEL_BYTES ((size_t)4 << 30)

void lrp_model_free(lrp_model *m)
{
    if (!m)
        return;
    lrp_forward_free(&m->fwd);
    lrp_pool_free(m->pool);
    if (m->parent) {
        free(m);
        return;
    }
    lrp_dnnl_free(m->dnnl);
    lrp_shapes_free(&m->shapes);
    lrp_graph_free(&m->graph);
    free(m->residuals);
    lrp_plain_adds_free(m->plain_adds, m->n_plain_adds);
    free(m->path);
    free(m);
}

static void count_op_types(lrp_model *m)
{
    for (int i = 0; i < m->graph.n_nodes; i++) {
        const lrp_op *op = m->graph.nodes[i].op;
        int t = 0;
        while (t < m->n_op_types && m->op_types[t] != op)
            t++;
        if (t == m->n_op_types && t < LRP_MAX_OP_TYPES)
            m->op_types[m->n_op_types++] = op;
        if (t < m->n_op_types)
            m->op_counts[t]++;
    }
}

static lrp_status build(lrp_model *m, const void *buf, size_t size, lrp_error *err)
{
    lrp_graph *g = &m->graph;
    lrp_status st = lrp_onnx_import(buf, size, g, err);
    if (st)
        return st;
    lrp_pass_resolve_identity(g);
    if ((st = lrp_graph_link(g, err)) || (st = lrp_pass_bind_ops(g, err)))
        return st;
    const lrp_tensor *declared = &g->values[g->inputs[0]].tensor;
    if ((st = lrp_shapes_infer(g, declared, &m->shapes, err)))
        return st;
    count_op_types(m);
    return lrp_pass_residual(g, &m->shapes, &m->residuals, &m->n_residuals, &m->plain_adds,
                             &m->n_plain_adds, err);
}

/* 3/4 of physical memory, at most LRP_DEFAULT_MAX_BYTES. */
static size_t default_max_bytes(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0)
        return LRP_DEFAULT_MAX_BYTES;
    double phys = (double)pages * (double)page * 0.75;
    return phys < (double)LRP_DEFAULT_MAX_BYTES ? (size_t)phys : LRP_DEFAULT_MAX_BYTES;
}

void lrp_model_set_max_memory(lrp_model *m, size_t bytes)
{
    m->max_bytes = bytes;
}

lrp_status lrp_model_load_mem(const void *buf, size_t size, const char *name, lrp_model **out,
                              lrp_error *err)
{
    *out = NULL;
    lrp_blas_init(); /* our workers call the BLAS: threads inside it only compete */
    lrp_model *m = calloc(1, sizeof *m);
    size_t n = strlen(name) + 1;
    if (!m || !(m->path = malloc(n))) {
        free(m);
        return lrp_error_set(err, LRP_ERR_NOMEM, "%s: out of memory", name);
    }
    memcpy(m->path, name, n);
    m->max_bytes = default_max_bytes();
    m->backend = LRP_BACKEND_OPENBLAS;
    lrp_backend_open(LRP_BACKEND_DEFAULT, &m->backend, &m->dnnl, NULL); /* else OpenBLAS */
    lrp_status st = build(m, buf, size, err);
    if (st) {
        lrp_error_prefix(err, "%s", name);
        lrp_model_free(m);
        return st;
    }
    *out = m;
    return LRP_OK;
}

lrp_status lrp_model_fork(const lrp_model *m, lrp_model **out, lrp_error *err)
{
    *out = malloc(sizeof **out);
    if (!*out)
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
    **out = *m; /* shares the graph, weights and oneDNN primitives */
    memset(&(*out)->fwd, 0, sizeof(*out)->fwd);
    (*out)->pool = NULL;
    (*out)->parent = m->parent ? m->parent : m;
    return LRP_OK;
}

lrp_status lrp_model_load(const char *path, lrp_model **out, lrp_error *err)
{
    void *buf;
    size_t size;
    *out = NULL;
    lrp_status st = lrp_read_file(path, MAX_MODEL_BYTES, &buf, &size, err);
    if (st)
        return st;
    st = lrp_model_load_mem(buf, size, path, out, err);
    free(buf);
    return st;
}

lrp_status lrp_model_prepare(const lrp_model *m, lrp_forward *f, int rank, const int64_t *dims,
                             const lrp_keep *keep, bool *rebuilt, lrp_error *err)
{
    *rebuilt = false;
    if (f->g) {
        const lrp_tensor *x = lrp_forward_value(f, m->graph.inputs[0]);
        bool same = x->rank == rank;
        for (int i = 0; same && i < rank; i++)
            same = x->dims[i] == dims[i];
        if (same)
            return LRP_OK;
        lrp_forward_free(f);
    }
    *rebuilt = true;
    lrp_status st = lrp_forward_init(f, &m->graph, rank, dims, keep, m->max_bytes, err);
    if (st)
        lrp_error_prefix(err, "%s", m->path);
    return st;
}

size_t lrp_array_count(const lrp_array *a)
{
    size_t n = 1;
    for (int i = 0; i < a->rank; i++)
        n *= a->dims[i] > 0 ? (size_t)a->dims[i] : 0;
    return n;
}

void lrp_array_free(lrp_array *a)
{
    if (!a)
        return;
    free(a->data);
    memset(a, 0, sizeof *a);
}

static lrp_status copy_out(const lrp_tensor *t, lrp_array *out, lrp_error *err)
{
    size_t n = lrp_tensor_count(t);
    out->rank = t->rank;
    memcpy(out->dims, t->dims, sizeof out->dims);
    out->data = malloc(n ? n * sizeof(float) : 1);
    if (!out->data)
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory for the output");
    memcpy(out->data, t->data, n * sizeof(float));
    return LRP_OK;
}

lrp_status lrp_model_forward(lrp_model *m, const lrp_array *input, lrp_array *output,
                             lrp_error *err)
{
    memset(output, 0, sizeof *output);
    if (input->rank < 0 || input->rank > LRP_MAX_RANK || !input->data)
        return lrp_error_set(err, LRP_ERR_ARG, "the input array is empty or of bad rank");
    bool rebuilt;
    lrp_status st = lrp_model_prepare(m, &m->fwd, input->rank, input->dims, NULL, &rebuilt,
                                      err);
    if (st == LRP_OK) /* after prepare: the dims are checked */
        st = lrp_check_finite(input->data, input->rank, input->dims, "the input", err);
    if (st)
        return st;
    st = lrp_forward_run(&m->fwd, input->data, m->pool,
                         lrp_backend_dnnl(m->backend, m->precision, m->dnnl), err);
    if (st)
        return st;
    const lrp_tensor *y = lrp_forward_value(&m->fwd, m->graph.outputs[0]);
    if (y->dtype != LRP_FLOAT)
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED, "%s: the first output is not float32",
                             m->path);
    return copy_out(y, output, err);
}

lrp_status lrp_model_warm_up(lrp_model *m, int rank, const int64_t *dims, lrp_error *err)
{
    if (rank < 0 || rank > LRP_MAX_RANK || !dims)
        return lrp_error_set(err, LRP_ERR_ARG, "the input array is empty or of bad rank");
    bool rebuilt;
    lrp_status st = lrp_model_prepare(m, &m->fwd, rank, dims, NULL, &rebuilt, err);
    if (st == LRP_OK && m->backend == LRP_BACKEND_DNNL)
        lrp_forward_warm_up(&m->fwd, m->pool, m->dnnl);
    return st;
}

lrp_status lrp_model_set_threads(lrp_model *m, int threads, lrp_error *err)
{
    return lrp_pool_resize(&m->pool, threads, err);
}

lrp_status lrp_model_set_backend(lrp_model *m, lrp_backend backend, lrp_error *err)
{
    if (m->parent)
        return lrp_error_set(err, LRP_ERR_ARG, "%s: a fork keeps its parent's backend",
                             m->path);
    lrp_status st = lrp_precision_check(backend, m->precision, err);
    return st ? st : lrp_backend_open(backend, &m->backend, &m->dnnl, err);
}

lrp_status lrp_model_set_precision(lrp_model *m, lrp_precision precision, lrp_error *err)
{
    if (m->parent)
        return lrp_error_set(err, LRP_ERR_ARG, "%s: a fork keeps its parent's precision",
                             m->path);
    lrp_status st = lrp_precision_open(m->backend, precision, m->dnnl, err);
    if (st == LRP_OK)
        m->precision = precision;
    return st;
}

lrp_precision lrp_model_precision(const lrp_model *m)
{
    return m->precision;
}

lrp_backend lrp_model_backend(const lrp_model *m)
{
    return m->backend;
}

const char *lrp_model_metadata(const lrp_model *m, const char *key)
{
    for (int i = 0; i < m->graph.n_meta; i++)
        if (strcmp(m->graph.meta_keys[i], key) == 0)
            return m->graph.meta_values[i];
    return NULL;
}
