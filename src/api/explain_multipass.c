/* lrp_explain for the multipass methods: their passes run batched through
 * the explainer's own forward and gradient workspaces. */
#include <stdlib.h>
#include <string.h>

#include "api/explainer.h"

/* Inputs per pass: the model's fixed batch, else PASS_BATCH at once, the
 * images the convolutions run together anyway (ops/conv_dnnl.c's and
 * ops/conv_kernels.c's rounds): a row costs as much as in a batch of 32
 * (0.214 against 0.217 ms on the sample model), and an image's last,
 * part-filled pass runs fewer rows for nothing (Score-CAM's 95 masks per
 * image on the sample images ran 18% more rows in batches of 32, 4% in 8). */
enum { PASS_BATCH = 8 };

static int pass_batch(const lrp_explainer *e)
{
    const lrp_graph *g = &e->model->graph;
    int64_t fixed = g->values[g->inputs[0]].tensor.dims[0];
    return fixed > 0 ? (int)fixed : PASS_BATCH;
}

typedef struct runner {
    lrp_explainer *e;
    lrp_array in;
    int *targets;
    double *seeds;
} runner;

/* Whether every row (row floats) of the batch x (rows, row) equals 'want'. */
static bool rows_equal(const float *x, size_t rows, size_t row, const float *want)
{
    for (size_t i = 0; i < rows; i++)
        if (memcmp(x + i * row, want, row * sizeof *x))
            return false;
    return true;
}

/* Whether r->in is the probe's remembered batch; then logits get its logits. */
static bool probe_repeat(const runner *r, float *logits)
{
    const lrp_explainer *e = r->e;
    size_t rows = (size_t)r->in.dims[0], row = lrp_array_count(&r->in) / rows;
    if (e->probe_x_count != row || e->probe_rows != rows ||
        !rows_equal(r->in.data, rows, row, e->probe_x))
        return false;
    memcpy(logits, e->probe_logits, e->probe_logit_count * sizeof *logits);
    return true;
}

/* Remembers r->in and its logits for probe_repeat when it is one input
 * repeated (other batches do not come again, and copying them would cost
 * on every pass); nothing is kept when memory runs short. */
static void probe_remember(const runner *r, const lrp_tensor *out)
{
    lrp_explainer *e = r->e;
    size_t rows = (size_t)r->in.dims[0], row = lrp_array_count(&r->in) / rows;
    size_t logits = lrp_tensor_count(out); /* (rows, classes) */
    if (!rows_equal(r->in.data + row, rows - 1, row, r->in.data))
        return;
    if (e->probe_x_count != row || e->probe_logit_count != logits) {
        free(e->probe_x);
        free(e->probe_logits);
        e->probe_x = malloc(row * sizeof *e->probe_x);
        e->probe_logits = malloc(logits * sizeof *e->probe_logits);
        e->probe_x_count = e->probe_x && e->probe_logits ? row : 0;
        e->probe_logit_count = e->probe_x_count ? logits : 0;
    }
    if (e->probe_x_count) {
        e->probe_rows = rows;
        memcpy(e->probe_x, r->in.data, row * sizeof *e->probe_x);
        memcpy(e->probe_logits, out->data, logits * sizeof *e->probe_logits);
    }
}

/* The explainer's probe workspace sized for the batch 'in', which keeps
 * nothing but the logits. */
static lrp_status probe_prepare(lrp_explainer *e, const lrp_array *in, lrp_error *err)
{
    const lrp_graph *g = &e->model->graph;
    if (!e->probe_keep && !(e->probe_keep = calloc((size_t)g->n_values, sizeof *e->probe_keep)))
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
    e->probe_keep[e->seed_value] = LRP_KEEP_PLAIN;
    bool rebuilt;
    return lrp_model_prepare(e->model, &e->probe, in->rank, in->dims, e->probe_keep, &rebuilt,
                             err);
}

/* logits (batch, classes) of the inputs x through the probe workspace: a
 * forward pass as lrp_model_forward's, not the explanation's (whose kept
 * activations stay in (N,C,H,W) for the rules). */
static lrp_status probe_forward(runner *r, float *logits, lrp_error *err)
{
    lrp_explainer *e = r->e;
    if (probe_repeat(r, logits))
        return LRP_OK;
    lrp_status st = probe_prepare(e, &r->in, err);
    if (st == LRP_OK)
        st = lrp_forward_run(&e->probe, r->in.data, e->pool,
                             lrp_explainer_dnnl(e, e->model->dnnl), err);
    if (st)
        return st;
    const lrp_tensor *out = lrp_forward_value(&e->probe, e->seed_value);
    memcpy(logits, out->data, lrp_tensor_count(out) * sizeof *logits);
    probe_remember(r, out);
    return LRP_OK;
}

static lrp_status run_batch(void *ctx, const float *x, int target, float *logits, float *grad,
                            lrp_error *err)
{
    runner *r = ctx;
    lrp_explainer *e = r->e;
    r->in.data = (float *)x;
    if (!grad)
        return probe_forward(r, logits, err);
    lrp_forward *f = &e->batch_fwd;
    lrp_relevance *rel = &e->batch_rel;
    lrp_status st = lrp_explainer_prepare_in(e, f, rel, &r->in, err);
    if (st)
        return st;
    if ((st = lrp_forward_run(f, x, e->pool, lrp_explainer_dnnl(e, e->model->dnnl), err)))
        return st;
    const lrp_tensor *out = lrp_forward_value(f, e->seed_value);
    memcpy(logits, out->data, lrp_tensor_count(out) * sizeof *logits);
    for (int i = 0; i < r->in.dims[0]; i++) {
        r->targets[i] = target;
        r->seeds[i] = 1.0;
    }
    rel->unaccounted = true; /* the method's map has no flows (run_images) */
    lrp_relevance_run(rel, f, e->pool, lrp_explainer_dnnl(e, e->t->dnnl), e->seed_value,
                      r->targets, r->seeds);
    const lrp_graph *g = &e->model->graph;
    memcpy(grad, rel->of[g->inputs[0]],
           lrp_tensor_count(lrp_forward_value(f, g->inputs[0])) * sizeof *grad);
    return LRP_OK;
}

/* The method's map per image, the sums, and no flows: the gradient pass's
 * steps do not describe the method. */
static lrp_status run_images(lrp_explainer *e, const lrp_array *input, lrp_array *relevance,
                             lrp_report *rep, lrp_passes *ps, const float *act, lrp_error *err)
{
    size_t size = (size_t)ps->c * ps->h * ps->w;
    const lrp_tensor *a = e->cam_value >= 0 ? lrp_forward_value(&e->fwd, e->cam_value) : NULL;
    lrp_multipass_image im = {.low = e->config.n_bounds > 0 ? e->t->low : NULL};
    if (a) {
        im.act_c = (int)a->dims[1];
        im.act_h = (int)a->dims[2];
        im.act_w = (int)a->dims[3];
    }
    for (int i = 0; i < rep->n_images; i++) {
        float *out = relevance->data + (size_t)i * size;
        double delta;
        im.x = input->data + (size_t)i * size;
        im.target = rep->target[i];
        im.act = act ? act + (size_t)i * im.act_c * im.act_h * im.act_w : NULL;
        lrp_status st = lrp_multipass_run(e->multipass, &e->params, ps, &im, out, &delta, err);
        if (st)
            return st;
        double sum = 0.0;
        for (size_t k = 0; k < size; k++)
            sum += out[k];
        rep->input_sum[i] = sum;
        rep->seed[i] = e->multipass->completeness ? delta : rep->seed[i];
    }
    rep->n_steps = 0;
    rep->n_residuals = 0;
    rep->forward_passes += ps->forwards;
    rep->backward_passes += ps->backwards;
    return LRP_OK;
}

/* Score-CAM's layer from the first forward pass, before the passes reuse
 * the workspace: (n, K, h, w), or NULL (none, or out of memory). */
static float *copy_activation(const lrp_explainer *e)
{
    if (e->cam_value < 0)
        return NULL;
    const lrp_tensor *a = lrp_forward_value(&e->fwd, e->cam_value);
    size_t n = lrp_tensor_count(a);
    float *copy = malloc(n * sizeof *copy + 1);
    if (copy)
        memcpy(copy, a->data, n * sizeof *copy);
    return copy;
}

lrp_status lrp_explainer_run_multipass(lrp_explainer *e, const lrp_array *input,
                                       lrp_array *relevance, lrp_report *rep, lrp_error *err)
{
    lrp_passes ps = {.batch = pass_batch(e),
                     .c = (int)input->dims[1],
                     .h = (int)input->dims[2],
                     .w = (int)input->dims[3],
                     .n_classes = rep->n_classes,
                     .run = run_batch};
    runner r = {.e = e, .in = {.rank = 4, .dims = {ps.batch, ps.c, ps.h, ps.w}}};
    r.targets = calloc((size_t)ps.batch, sizeof *r.targets);
    r.seeds = calloc((size_t)ps.batch, sizeof *r.seeds);
    ps.ctx = &r;
    ps.forwards = ps.backwards = 0;
    float *act = copy_activation(e);
    lrp_status st = r.targets && r.seeds && (act || e->cam_value < 0)
                        ? run_images(e, input, relevance, rep, &ps, act, err)
                        : lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
    free(act);
    free(r.targets);
    free(r.seeds);
    if (st)
        lrp_error_prefix(err, "%s: %s", e->model->path, e->config.preset);
    return st;
}

lrp_status lrp_explainer_warm_up_multipass(lrp_explainer *e, const lrp_array *image,
                                           lrp_error *err)
{
    lrp_array in = {.rank = 4,
                    .dims = {pass_batch(e), image->dims[1], image->dims[2], image->dims[3]}};
    lrp_dnnl *fd = lrp_explainer_dnnl(e, e->model->dnnl),
             *rd = lrp_explainer_dnnl(e, e->t->dnnl);
    const lrp_multipass *m = e->multipass;
    lrp_status st = LRP_OK;
    if (m->gradient) { /* the gradient batches */
        st = lrp_explainer_prepare_in(e, &e->batch_fwd, &e->batch_rel, &in, err);
        if (st == LRP_OK && fd)
            lrp_forward_warm_up(&e->batch_fwd, e->pool, fd);
        if (st == LRP_OK && rd)
            lrp_relevance_warm_up(&e->batch_rel, &e->batch_fwd, e->pool, rd, e->t->refs == 1);
    }
    /* the forward-only batches: the masks, or integrated gradients' baseline */
    if (st == LRP_OK && (!m->gradient || m->kind == LRP_MP_INTEGRATED_GRADIENTS)) {
        st = probe_prepare(e, &in, err);
        if (st == LRP_OK && fd)
            lrp_forward_warm_up(&e->probe, e->pool, fd);
    }
    if (st)
        lrp_error_prefix(err, "%s: %s", e->model->path, e->config.preset);
    return st;
}
