/* Reverse-topological relevance propagation over the rule table. */
#include "explain/relevance.h"

#include <limits.h>
#include "explain/offsets.h"

#include <stdlib.h>
#include <string.h>

void lrp_relevance_free(lrp_relevance *r)
{
    if (!r)
        return;
    free(r->steps);
    free(r->arena);
    free(r->of);
    free(r->start);
    free(r->scratch);
    free(r->step_in);
    free(r->step_out);
    free(r->slot_out);
    free(r->sums);
    free(r->value_sum);
    free(r->summed);
    free(r->absorbed);
    memset(r, 0, sizeof *r);
}

static void gather_io(const lrp_node *n, const lrp_forward *f, const lrp_tensor **in)
{
    for (int k = 0; k < n->n_inputs; k++)
        in[k] = n->inputs[k] >= 0 ? lrp_forward_value(f, n->inputs[k]) : NULL;
}

/* The on-path nodes in reverse topological order, and the scratch their
 * rules need. */
static void plan_steps(lrp_relevance *r, const lrp_forward *f, size_t *scratch)
{
    const lrp_graph *g = r->g;
    for (int i = g->n_nodes - 1; i >= 0; i--) {
        int idx = g->order[i];
        const lrp_node *n = &g->nodes[idx];
        if (r->rules[idx].kind == LRP_RULE_NONE)
            continue;
        r->steps[r->n_steps++] = idx;
        const lrp_tensor *in[LRP_MAX_INPUTS] = {0};
        gather_io(n, f, in);
        size_t s = lrp_rule_scratch_floats(&r->rules[idx], n, in,
                                           lrp_forward_value(f, n->outputs[0]));
        *scratch = s > *scratch ? s : *scratch;
    }
}

/* Relevance lifetimes in steps: a buffer is live from the first step that
 * adds into it (its first consumer in reverse order) to the step of its
 * producer, which reads it; the seed from before step 0, the input's to the
 * end. Only float activations get one. */
static lrp_interval *lifetimes(lrp_relevance *r, const lrp_forward *f, int seed_value,
                               int keep_value)
{
    const lrp_graph *g = r->g;
    lrp_interval *iv = calloc((size_t)g->n_values + 1, sizeof *iv);
    if (!iv)
        return NULL;
    for (int v = 0; v < g->n_values; v++)
        r->start[v] = iv[v].start = iv[v].end = INT_MAX;
    for (int s = 0; s < r->n_steps; s++) {
        const lrp_node *n = &g->nodes[r->steps[s]];
        iv[n->outputs[0]].end = s;
        for (int k = 0; k < n->n_inputs; k++) {
            int v = n->inputs[k];
            bool activation = v >= 0 && lrp_forward_value(f, v)->dtype == LRP_FLOAT &&
                              !g->values[v].tensor.data && !f->shapes.owned[v];
            if (activation && iv[v].start == INT_MAX)
                iv[v].start = s;
        }
    }
    iv[seed_value].start = -1;
    iv[g->inputs[0]].end = r->n_steps;
    if (keep_value >= 0)
        iv[keep_value].end = r->n_steps;
    for (int v = 0; v < g->n_values; v++) {
        if (iv[v].start == INT_MAX) { /* nothing adds relevance into it */
            iv[v].start = iv[v].end = 0;
            continue;
        }
        iv[v].end = iv[v].end == INT_MAX ? iv[v].start : iv[v].end;
        iv[v].size = lrp_tensor_count(lrp_forward_value(f, v));
        r->start[v] = iv[v].start;
    }
    return iv;
}

static lrp_status allocate(lrp_relevance *r, lrp_interval *iv, size_t scratch,
                           size_t max_bytes, lrp_error *err)
{
    const lrp_graph *g = r->g;
    size_t floats;
    if (!lrp_plan_offsets(iv, g->n_values, &floats))
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory planning relevance");
    size_t bytes = (floats + scratch) * sizeof(float);
    if (bytes > max_bytes)
        return lrp_error_set(err, LRP_ERR_LIMIT,
                             "relevance buffers need %.1f MiB, more than the limit of %.1f MiB",
                             (double)bytes / (1 << 20), (double)max_bytes / (1 << 20));
    size_t per_step = (size_t)r->n_steps * (size_t)r->n_images;
    r->arena = malloc(floats ? floats * sizeof(float) : 1);
    r->scratch = malloc(scratch ? scratch * sizeof(float) : 1);
    r->step_in = calloc(per_step + 1, sizeof(double));
    r->step_out = calloc(per_step + 1, sizeof(double));
    r->slot_out = calloc(2 * per_step + 1, sizeof(double));
    r->sums = calloc((LRP_MAX_INPUTS + 1) * (size_t)r->n_images, sizeof(double));
    r->value_sum = calloc(((size_t)g->n_values + 1) * (size_t)r->n_images, sizeof(double));
    r->summed = calloc((size_t)g->n_values + 1, sizeof(bool));
    r->absorbed = calloc(per_step + 1, sizeof(double));
    if (!r->arena || !r->scratch || !r->step_in || !r->step_out || !r->slot_out || !r->sums ||
        !r->value_sum || !r->summed ||
        !r->absorbed)
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory for %.1f MiB of relevance",
                             (double)bytes / (1 << 20));
    for (int v = 0; v < g->n_values; v++)
        if (iv[v].size)
            r->of[v] = r->arena + iv[v].offset;
    return LRP_OK;
}

lrp_status lrp_relevance_init(lrp_relevance *r, const lrp_graph *g, const lrp_rule *rules,
                              const lrp_forward *f, int seed_value, int keep_value,
                              size_t max_bytes, lrp_error *err)
{
    memset(r, 0, sizeof *r);
    r->g = g;
    r->rules = rules;
    r->n_images = (int)lrp_forward_value(f, g->inputs[0])->dims[0];
    r->steps = malloc(sizeof *r->steps * ((size_t)g->n_nodes + 1));
    r->of = calloc((size_t)g->n_values + 1, sizeof *r->of);
    r->start = calloc((size_t)g->n_values + 1, sizeof *r->start);
    size_t scratch = 0;
    lrp_interval *iv = NULL;
    lrp_status st = LRP_OK;
    if (!r->steps || !r->of || !r->start)
        st = lrp_error_set(err, LRP_ERR_NOMEM, "out of memory planning relevance");
    if (st == LRP_OK) {
        plan_steps(r, f, &scratch);
        if (!(iv = lifetimes(r, f, seed_value, keep_value)))
            st = lrp_error_set(err, LRP_ERR_NOMEM, "out of memory planning relevance");
    }
    if (st == LRP_OK)
        st = allocate(r, iv, scratch, max_bytes, err);
    free(iv);
    if (st)
        lrp_relevance_free(r);
    return st;
}

/* sums[i] = the sum of image i's slice of buf (count floats, n images). */
/* Eight float lanes over blocks of 512, folded into a double per block:
 * vectorizable, and accurate to ~1e-7 relative for the leak report. */
static double sum_floats(const float *v, size_t n)
{
    double total = 0.0;
    for (size_t start = 0; start < n; start += 512) {
        size_t end = start + 512 < n ? start + 512 : n, k = start;
        float lane[8] = {0};
        for (; k + 8 <= end; k += 8)
            for (int j = 0; j < 8; j++)
                lane[j] += v[k + (size_t)j];
        for (; k < end; k++)
            lane[0] += v[k];
        for (int j = 0; j < 8; j++)
            total += lane[j];
    }
    return total;
}

typedef struct sum_job {
    const float *v;
    double part[LRP_MAX_RANGES];
} sum_job;

static void sum_range(void *ctx, int range, size_t begin, size_t end)
{
    sum_job *j = ctx;
    j->part[range] = sum_floats(j->v + begin, end - begin);
}

/* Ranges fixed by the size, added in order: the same sums on any threads. */
static void image_sums(lrp_pool *pool, const float *buf, size_t count, int n, double *sums)
{
    size_t chunk = count / (size_t)n;
    for (int i = 0; i < n; i++) {
        sum_job j = {.v = buf + (size_t)i * chunk};
        lrp_pool_for(pool, chunk, sum_range, &j);
        sums[i] = 0.0;
        for (int r = 0; r < lrp_ranges(chunk); r++)
            sums[i] += j.part[r];
    }
}

/* Image sums of value v's relevance into 'sums': from the last time they
 * were taken when the buffer has not changed since, else added up now. */
static void value_sums(lrp_relevance *r, int v, size_t count, double *sums)
{
    size_t n = (size_t)r->n_images;
    if (!r->summed[v]) {
        image_sums(r->pool, r->of[v], count, r->n_images, r->value_sum + (size_t)v * n);
        r->summed[v] = true;
    }
    memcpy(sums, r->value_sum + (size_t)v * n, n * sizeof *sums);
}

/* Runs one node's kernel and records relevance in and passed on. */
static void run_step(lrp_relevance *r, const lrp_forward *f, int step)
{
    const lrp_graph *g = r->g;
    int idx = r->steps[step];
    const lrp_node *n = &g->nodes[idx];
    const lrp_tensor *in[LRP_MAX_INPUTS] = {0};
    float *r_in[LRP_MAX_INPUTS] = {0};
    gather_io(n, f, in);
    int n_img = r->n_images;
    double *after = r->sums, *before = r->sums + n_img; /* before[k * n_img + i] */
    bool counted[LRP_MAX_INPUTS] = {0};
    for (int k = 0; k < n->n_inputs && k < LRP_MAX_INPUTS; k++) {
        r_in[k] = n->inputs[k] >= 0 ? r->of[n->inputs[k]] : NULL;
        bool fresh = r_in[k] && r->start[n->inputs[k]] == step; /* its buffer becomes live */
        if (fresh)
            memset(r_in[k], 0, lrp_tensor_count(in[k]) * sizeof(float));
        /* a value read twice is counted once */
        counted[k] = r_in[k] != NULL;
        for (int j = 0; j < k; j++)
            counted[k] = counted[k] && n->inputs[j] != n->inputs[k];
        if (counted[k] && fresh) /* zeros: nothing to add up */
            memset(before + k * n_img, 0, (size_t)n_img * sizeof *before);
        else if (counted[k])
            value_sums(r, n->inputs[k], lrp_tensor_count(in[k]), before + k * n_img);
    }
    const lrp_tensor *out = lrp_forward_value(f, n->outputs[0]);
    const float *r_out = r->of[n->outputs[0]];
    lrp_rule_ctx ctx = {.node = n, .rule = &r->rules[idx], .in = in, .out = out,
                        .r_out = r_out, .r_in = r_in, .scratch = r->scratch,
                        .pool = r->pool, .dnnl = r->dnnl,
                        .n_images = n_img, .absorbed = r->absorbed + (size_t)step * n_img};
    lrp_rule_kernel(r->rules[idx].kind)(&ctx);
    double *step_in = r->step_in + (size_t)step * n_img;
    double *step_out = r->step_out + (size_t)step * n_img;
    value_sums(r, n->outputs[0], lrp_tensor_count(out), step_in);
    for (int k = 0; k < n->n_inputs && k < LRP_MAX_INPUTS; k++) {
        if (!counted[k])
            continue;
        r->summed[n->inputs[k]] = false; /* the kernel added to it */
        value_sums(r, n->inputs[k], lrp_tensor_count(in[k]), after);
        for (int i = 0; i < n_img; i++) {
            double delta = after[i] - before[k * n_img + i];
            step_out[i] += delta;
            if (k < 2)
                r->slot_out[((size_t)step * n_img + i) * 2 + k] = delta;
        }
    }
}

void lrp_relevance_run(lrp_relevance *r, const lrp_forward *f, lrp_pool *pool,
                       lrp_dnnl *dnnl, int seed_value, const int *target, const double *seed)
{
    r->pool = pool;
    r->dnnl = dnnl;
    memset(r->summed, 0, (size_t)r->g->n_values * sizeof *r->summed);
    size_t per_step = (size_t)r->n_steps * (size_t)r->n_images;
    memset(r->step_out, 0, per_step * sizeof(double));
    memset(r->slot_out, 0, 2 * per_step * sizeof(double));
    memset(r->absorbed, 0, per_step * sizeof(double));
    float *logits_r = r->of[seed_value];
    size_t count = lrp_tensor_count(lrp_forward_value(f, seed_value));
    size_t classes = count / (size_t)r->n_images;
    memset(logits_r, 0, count * sizeof(float));
    for (int i = 0; i < r->n_images; i++)
        logits_r[(size_t)i * classes + (size_t)target[i]] = (float)seed[i];
    for (int s = 0; s < r->n_steps; s++)
        run_step(r, f, s);
}
