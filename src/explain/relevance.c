/* Reverse-topological relevance propagation over the rule table. */
#include "explain/relevance.h"

#include <limits.h>
#include "explain/offsets.h"
#include "ops/conv_dnnl.h"
#include "rules/kernels.h"

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
    free(r->shares);
    free(r->scratch);
    free(r->fixed_z);
    free(r->fixed_ready);
    free(r->fixed_arena);
    lrp_ledger_free(&r->ledger);
    memset(r, 0, sizeof *r);
}

static void gather_io(const lrp_node *n, const lrp_forward *f, const lrp_tensor **in)
{
    for (int k = 0; k < n->n_inputs; k++)
        in[k] = n->inputs[k] >= 0 ? lrp_forward_value(f, n->inputs[k]) : NULL;
}

/* Floats step s keeps its z in between runs: its output's, where the z
 * rule reads no input (lrp_zrule_fixed_z), else 0. */
static size_t fixed_z_floats(const lrp_relevance *r, const lrp_forward *f, int s)
{
    const lrp_rule *rule = &r->rules[r->steps[s]];
    if (rule->kind != LRP_RULE_Z || !lrp_zrule_fixed_z(&rule->z))
        return 0;
    return lrp_tensor_count(lrp_forward_value(f, r->g->nodes[r->steps[s]].outputs[0]));
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
                              !g->values[v].tensor.data && !f->values.owned[v];
            if (activation && iv[v].start == INT_MAX)
                iv[v].start = s;
        }
    }
    iv[seed_value].start = -1;
    iv[g->inputs[0]].end = r->n_steps;
    if (keep_value >= 0)
        iv[keep_value].end = r->n_steps;
    for (int v = 0; v < g->n_values; v++) {
        r->shares[v] = v;
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

/* A pass step (R_in = R element for element) whose R_in starts there, from
 * an R that nothing reads after it, can hand R's buffer on instead of
 * copying it: 0 + R is R, since no buffer the executor only adds into holds
 * a -0. R_in must be the only input slot of that value; the kept value's
 * buffer lives to the end, so it is never handed on. */
static bool can_share(const lrp_relevance *r, const lrp_interval *iv, int step)
{
    const lrp_node *n = &r->g->nodes[r->steps[step]];
    const lrp_rule *rule = &r->rules[r->steps[step]];
    int out = n->outputs[0], slot = rule->x_slot;
    if (rule->kind != LRP_RULE_PASS || slot >= n->n_inputs || n->inputs[slot] < 0)
        return false;
    int in = n->inputs[slot];
    for (int k = 0; k < n->n_inputs; k++)
        if (k != slot && n->inputs[k] == in)
            return false;
    int owner = r->shares[out];
    return in != out && iv[in].size && iv[in].size == iv[owner].size && iv[in].start == step &&
           iv[out].end == step && iv[owner].end == step;
}

/* Pass steps in order: each sharing input takes its output's buffer
 * (shares[], a chain of passes ends in one), whose lifetime then reaches
 * to the input's end. */
static void share_pass_buffers(lrp_relevance *r, lrp_interval *iv)
{
    for (int s = 0; s < r->n_steps; s++) {
        if (!can_share(r, iv, s))
            continue;
        const lrp_node *n = &r->g->nodes[r->steps[s]];
        int in = n->inputs[r->rules[r->steps[s]].x_slot], owner = r->shares[n->outputs[0]];
        iv[owner].end = iv[in].end > iv[owner].end ? iv[in].end : iv[owner].end;
        iv[in].size = 0;
        r->shares[in] = owner;
    }
}

static lrp_status allocate(lrp_relevance *r, const lrp_forward *f, lrp_interval *iv,
                           size_t scratch, size_t max_bytes, lrp_error *err)
{
    const lrp_graph *g = r->g;
    size_t floats, fixed = 0;
    if (!lrp_plan_offsets(iv, g->n_values, &floats))
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory planning relevance");
    for (int s = 0; s < r->n_steps; s++)
        fixed += fixed_z_floats(r, f, s);
    size_t bytes = (floats + scratch + fixed) * sizeof(float);
    if (bytes > max_bytes)
        return lrp_error_set(err, LRP_ERR_LIMIT,
                             "relevance buffers need %.1f MiB, more than the limit of %.1f MiB",
                             (double)bytes / (1 << 20), (double)max_bytes / (1 << 20));
    r->arena = malloc(floats ? floats * sizeof(float) : 1);
    r->scratch = malloc(scratch ? scratch * sizeof(float) : 1);
    r->fixed_arena = malloc(fixed ? fixed * sizeof(float) : 1);
    int *n_slots = malloc(((size_t)r->n_steps + 1) * sizeof *n_slots);
    for (int s = 0; n_slots && s < r->n_steps; s++) {
        int inputs = g->nodes[r->steps[s]].n_inputs;
        n_slots[s] = inputs < LRP_MAX_INPUTS ? inputs : LRP_MAX_INPUTS;
    }
    bool ledger = n_slots &&
                  lrp_ledger_init(&r->ledger, r->n_steps, r->n_images, g->n_values, n_slots);
    free(n_slots);
    if (!r->arena || !r->scratch || !r->fixed_arena || !ledger)
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory for %.1f MiB of relevance",
                             (double)bytes / (1 << 20));
    size_t at = 0;
    for (int s = 0; s < r->n_steps; s++) {
        size_t n = fixed_z_floats(r, f, s);
        r->fixed_z[s] = n ? r->fixed_arena + at : NULL;
        at += n;
    }
    /* the pages faulted in here (at a warm-up) rather than in the first
     * explanation */
    memset(r->arena, 0, floats * sizeof(float));
    memset(r->scratch, 0, scratch * sizeof(float));
    memset(r->fixed_arena, 0, fixed * sizeof(float));
    for (int v = 0; v < g->n_values; v++)
        if (iv[r->shares[v]].size)
            r->of[v] = r->arena + iv[r->shares[v]].offset;
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
    r->shares = calloc((size_t)g->n_values + 1, sizeof *r->shares);
    r->fixed_z = calloc((size_t)g->n_nodes + 1, sizeof *r->fixed_z);
    r->fixed_ready = calloc((size_t)g->n_nodes + 1, sizeof *r->fixed_ready);
    size_t scratch = 0;
    lrp_interval *iv = NULL;
    lrp_status st = LRP_OK;
    if (!r->steps || !r->of || !r->start || !r->shares || !r->fixed_z || !r->fixed_ready)
        st = lrp_error_set(err, LRP_ERR_NOMEM, "out of memory planning relevance");
    if (st == LRP_OK) {
        plan_steps(r, f, &scratch);
        if (!(iv = lifetimes(r, f, seed_value, keep_value)))
            st = lrp_error_set(err, LRP_ERR_NOMEM, "out of memory planning relevance");
    }
    if (st == LRP_OK)
        share_pass_buffers(r, iv);
    if (st == LRP_OK)
        st = allocate(r, f, iv, scratch, max_bytes, err);
    free(iv);
    if (st)
        lrp_relevance_free(r);
    return st;
}

/* What one step's kernel reads and adds into. */
typedef struct step_io {
    const lrp_tensor *in[LRP_MAX_INPUTS];
    float *r_in[LRP_MAX_INPUTS];
    bool fresh[LRP_MAX_INPUTS]; /* the buffer became live at this step: zeroed, or
                                   the kernel zeroes it (lrp_rule_ctx.unzeroed) */
} step_io;

/* The kernel context of step 'step', zeroing the input buffers it starts
 * (or leaving that to kernels that zero them block by block as they add;
 * planning: the kernel only makes its convs, and nothing is zeroed). */
static lrp_rule_ctx step_ctx(const lrp_relevance *r, const lrp_forward *f, int step,
                             step_io *io, bool planning)
{
    int idx = r->steps[step];
    const lrp_node *n = &r->g->nodes[idx];
    bool kernel_zeroes = lrp_rule_zeroes_inputs(r->rules[idx].kind);
    memset(io, 0, sizeof *io);
    gather_io(n, f, io->in);
    for (int k = 0; k < n->n_inputs && k < LRP_MAX_INPUTS; k++) {
        io->r_in[k] = n->inputs[k] >= 0 ? r->of[n->inputs[k]] : NULL;
        io->fresh[k] = io->r_in[k] && r->start[n->inputs[k]] == step;
        if (io->fresh[k] && !kernel_zeroes && !planning)
            lrp_zero_floats(r->pool, io->r_in[k], lrp_tensor_count(io->in[k]));
    }
    return (lrp_rule_ctx){.node = n,
                          .rule = &r->rules[idx],
                          .in = io->in,
                          .out = lrp_forward_value(f, n->outputs[0]),
                          .out_block = lrp_forward_block(f, n->outputs[0]),
                          .r_out = r->of[n->outputs[0]],
                          .r_in = io->r_in,
                          .unzeroed = kernel_zeroes ? io->fresh : NULL,
                          .scratch = r->scratch,
                          .pool = r->pool,
                          .dnnl = r->dnnl,
                          .n_images = r->n_images,
                          .planning = planning,
                          .fixed_z = r->fixed_z[step],
                          .fixed_z_ready = &r->fixed_ready[step]};
}

/* seed[i] at class target[i] of image i, zero elsewhere. */
static void seed_targets(lrp_relevance *r, const lrp_forward *f, int seed_value,
                         const int *target, const double *seed)
{
    float *logits_r = r->of[seed_value];
    size_t count = lrp_tensor_count(lrp_forward_value(f, seed_value));
    size_t classes = count / (size_t)r->n_images;
    memset(logits_r, 0, count * sizeof(float));
    for (int i = 0; i < r->n_images; i++)
        logits_r[(size_t)i * classes + (size_t)target[i]] = (float)seed[i];
}

/* As kann's kad_grad: seed, then walk the steps and dispatch each kernel;
 * the ledger does all the accounting around it, unless the run is
 * unaccounted (then the kernels add up nothing either: in_sum stays NULL). */
void lrp_relevance_run(lrp_relevance *r, const lrp_forward *f, lrp_pool *pool, lrp_dnnl *dnnl,
                       int seed_value, const int *target, const double *seed)
{
    r->pool = pool;
    r->dnnl = dnnl;
    lrp_ledger_reset(&r->ledger, r->of, pool);
    seed_targets(r, f, seed_value, target, seed);
    for (int s = 0; s < r->n_steps; s++) {
        step_io io;
        lrp_rule_ctx ctx = step_ctx(r, f, s, &io, false);
        if (r->unaccounted) /* the stabilizer's share still has somewhere to go */
            ctx.absorbed = r->ledger.absorbed + (size_t)s * (size_t)r->n_images;
        else
            lrp_ledger_open(&r->ledger, s, &ctx, io.fresh);
        lrp_rule_kernel(ctx.rule->kind)(&ctx);
        if (!r->unaccounted)
            lrp_ledger_close(&r->ledger, s, &ctx);
    }
}

void lrp_relevance_warm_up(lrp_relevance *r, const lrp_forward *f, lrp_pool *pool,
                           lrp_dnnl *dnnl, bool release)
{
    r->pool = pool;
    r->dnnl = dnnl;
    lrp_dnnl_set_planning(true);
    for (int s = 0; s < r->n_steps; s++) {
        if (!r->rules[r->steps[s]].weights.is_conv)
            continue;
        step_io io;
        lrp_rule_ctx ctx = step_ctx(r, f, s, &io, true);
        lrp_rule_kernel(ctx.rule->kind)(&ctx);
        lrp_dnnl_make_planned(dnnl, pool);
        if (release) /* packed now: one layer's copies in memory at a time */
            lrp_weights_release(&ctx.rule->weights);
    }
    lrp_dnnl_set_planning(false);
}
