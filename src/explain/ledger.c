/* Relevance accounting around each kernel of the reverse executor. */
#include "explain/ledger.h"

#include <stdlib.h>
#include <string.h>

#include "util/block_sum.h"

bool lrp_ledger_init(lrp_ledger *l, int n_steps, int n_images, int n_values, const int *n_slots)
{
    memset(l, 0, sizeof *l);
    l->n_steps = n_steps;
    l->n_images = n_images;
    l->n_values = n_values;
    size_t per_step = (size_t)n_steps * (size_t)n_images;
    l->slot_row = malloc(((size_t)n_steps + 1) * sizeof *l->slot_row);
    if (!l->slot_row)
        return false;
    l->slot_row[0] = 0;
    for (int s = 0; s < n_steps; s++)
        l->slot_row[s + 1] = l->slot_row[s] + n_slots[s];
    l->step_in = calloc(per_step + 1, sizeof(double));
    l->step_out = calloc(per_step + 1, sizeof(double));
    l->slot_out = calloc((size_t)l->slot_row[n_steps] * (size_t)n_images + 1, sizeof(double));
    l->absorbed = calloc(per_step + 1, sizeof(double));
    l->before = calloc((size_t)LRP_MAX_INPUTS * (size_t)n_images, sizeof(double));
    l->given = calloc((size_t)LRP_MAX_INPUTS * (size_t)n_images, sizeof(double));
    l->after = calloc((size_t)n_images + 1, sizeof(double));
    l->value_sum = calloc(((size_t)n_values + 1) * (size_t)n_images, sizeof(double));
    l->summed = calloc((size_t)n_values + 1, sizeof(bool));
    return l->step_in && l->step_out && l->slot_out && l->absorbed && l->before && l->given &&
           l->after && l->value_sum && l->summed;
}

void lrp_ledger_free(lrp_ledger *l)
{
    if (!l)
        return;
    free(l->slot_row);
    free(l->step_in);
    free(l->step_out);
    free(l->slot_out);
    free(l->absorbed);
    free(l->before);
    free(l->given);
    free(l->after);
    free(l->value_sum);
    free(l->summed);
    memset(l, 0, sizeof *l);
}

void lrp_ledger_reset(lrp_ledger *l, float *const *of, lrp_pool *pool)
{
    l->of = of;
    l->pool = pool;
    memset(l->summed, 0, (size_t)l->n_values * sizeof *l->summed);
    size_t per_step = (size_t)l->n_steps * (size_t)l->n_images;
    memset(l->step_out, 0, per_step * sizeof(double));
    size_t slots = (size_t)l->slot_row[l->n_steps] * (size_t)l->n_images;
    memset(l->slot_out, 0, slots * sizeof(double));
    memset(l->absorbed, 0, per_step * sizeof(double));
}

typedef struct sum_job {
    const float *v;
    double part[LRP_MAX_RANGES];
} sum_job;

static void sum_range(void *ctx, int range, size_t begin, size_t end)
{
    sum_job *j = ctx;
    j->part[range] = lrp_sum_floats(j->v + begin, end - begin);
}

/* Ranges fixed by the size, added in order: the same sums on any threads. */
static void image_sums(lrp_pool *pool, const float *buf, size_t count, int n, double *sums)
{
    size_t chunk = count / (size_t)n;
    for (int i = 0; i < n; i++) {
        sum_job j = {.v = buf + (size_t)i * chunk};
        lrp_pool_for(pool, chunk, sum_range, &j);
        sums[i] = lrp_sum_parts(j.part, lrp_ranges(chunk));
    }
}

/* Image sums of value v's relevance into 'sums': from the last time they
 * were taken when the buffer has not changed since, else added up now. */
static void value_sums(lrp_ledger *l, int v, size_t count, double *sums)
{
    size_t n = (size_t)l->n_images;
    if (!l->summed[v]) {
        image_sums(l->pool, l->of[v], count, l->n_images, l->value_sum + (size_t)v * n);
        l->summed[v] = true;
    }
    memcpy(sums, l->value_sum + (size_t)v * n, n * sizeof *sums);
}

void lrp_ledger_open(lrp_ledger *l, int step, lrp_rule_ctx *c, const bool *fresh)
{
    const lrp_node *n = c->node;
    int n_img = l->n_images;
    c->absorbed = l->absorbed + (size_t)step * (size_t)n_img;
    c->in_sum = l->given_at;
    c->in_summed = l->given_set;
    for (int k = 0; k < LRP_MAX_INPUTS; k++) {
        l->given_at[k] = NULL;
        l->given_set[k] = false;
    }
    for (int k = 0; k < n->n_inputs && k < LRP_MAX_INPUTS; k++) {
        /* a value read twice is counted once */
        l->counted[k] = n->inputs[k] >= 0 && l->of[n->inputs[k]];
        for (int j = 0; j < k; j++)
            l->counted[k] = l->counted[k] && n->inputs[j] != n->inputs[k];
        if (l->counted[k] && fresh[k]) /* zeros: nothing to add up */
            memset(l->before + k * n_img, 0, (size_t)n_img * sizeof *l->before);
        else if (l->counted[k])
            value_sums(l, n->inputs[k], lrp_tensor_count(c->in[k]), l->before + k * n_img);
        if (l->counted[k])
            l->given_at[k] = l->given + k * n_img;
    }
}

void lrp_ledger_close(lrp_ledger *l, int step, const lrp_rule_ctx *c)
{
    const lrp_node *n = c->node;
    int n_img = l->n_images;
    double *step_in = l->step_in + (size_t)step * n_img;
    double *step_out = l->step_out + (size_t)step * n_img;
    double *slot_out = l->slot_out + (size_t)l->slot_row[step] * n_img;
    value_sums(l, n->outputs[0], lrp_tensor_count(c->out), step_in);
    for (int k = 0; k < n->n_inputs && k < LRP_MAX_INPUTS; k++) {
        if (!l->counted[k])
            continue;
        int v = n->inputs[k];
        l->summed[v] = false;  /* the kernel added to it */
        if (l->given_set[k]) { /* and added it up */
            memcpy(l->value_sum + (size_t)v * (size_t)n_img, l->given_at[k],
                   (size_t)n_img * sizeof *l->given);
            l->summed[v] = true;
        } else if (l->of[v] == l->of[n->outputs[0]]) { /* R's own buffer, handed on */
            memcpy(l->value_sum + (size_t)v * (size_t)n_img, step_in,
                   (size_t)n_img * sizeof *step_in);
            l->summed[v] = true;
        }
        value_sums(l, v, lrp_tensor_count(c->in[k]), l->after);
        for (int i = 0; i < n_img; i++) {
            double delta = l->after[i] - l->before[k * n_img + i];
            step_out[i] += delta;
            slot_out[(size_t)k * n_img + i] = delta;
        }
    }
}

double lrp_ledger_passed(const lrp_ledger *l, int step, int slot, int image)
{
    return l->slot_out[((size_t)l->slot_row[step] + (size_t)slot) * (size_t)l->n_images +
                       (size_t)image];
}
