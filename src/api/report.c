/* Building and reading lrp_report. */
#include "api/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void lrp_report_free(lrp_report *r)
{
    if (!r)
        return;
    free(r->logits);
    free(r->target);
    free(r->seed);
    free(r->input_sum);
    free(r->step_node);
    free(r->step_op);
    free(r->step_rule);
    free(r->step_in);
    free(r->step_out);
    free(r->absorbed);
    free(r->res_node);
    free(r->res_kind);
    free(r->res_in);
    free(r->res_main);
    free(r->res_short);
    free(r);
}

lrp_report *lrp_report_new(const lrp_model *m, const lrp_tensor *logits, int n)
{
    lrp_report *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    size_t count = lrp_tensor_count(logits);
    r->n_images = n;
    r->n_classes = (int)(count / (size_t)n);
    r->logits = malloc(count * sizeof(float) + 1);
    r->target = calloc((size_t)n, sizeof *r->target);
    r->seed = calloc((size_t)n, sizeof *r->seed);
    r->input_sum = calloc((size_t)n, sizeof *r->input_sum);
    r->model = m;
    r->n_residuals = m->n_residuals;
    size_t res = (size_t)m->n_residuals * (size_t)n + 1; /* per residual and image */
    r->res_node = calloc((size_t)m->n_residuals + 1, sizeof *r->res_node);
    r->res_kind = calloc((size_t)m->n_residuals + 1, sizeof *r->res_kind);
    r->res_in = calloc(res, sizeof *r->res_in);
    r->res_main = calloc(res, sizeof *r->res_main);
    r->res_short = calloc(res, sizeof *r->res_short);
    if (!r->logits || !r->target || !r->seed || !r->input_sum || !r->res_node || !r->res_kind ||
        !r->res_in || !r->res_main || !r->res_short) {
        lrp_report_free(r);
        return NULL;
    }
    memcpy(r->logits, logits->data, count * sizeof(float));
    return r;
}

static bool copy_steps(lrp_report *r, const lrp_relevance *rel, const lrp_rule *rules)
{
    size_t per = (size_t)rel->n_steps * (size_t)r->n_images + 1;
    r->n_steps = rel->n_steps;
    r->step_node = calloc((size_t)rel->n_steps + 1, sizeof *r->step_node);
    r->step_op = calloc((size_t)rel->n_steps + 1, sizeof *r->step_op);
    r->step_rule = calloc((size_t)rel->n_steps + 1, sizeof *r->step_rule);
    r->step_in = malloc(per * sizeof *r->step_in);
    r->step_out = malloc(per * sizeof *r->step_out);
    r->absorbed = malloc(per * sizeof *r->absorbed);
    if (!r->step_node || !r->step_op || !r->step_rule || !r->step_in || !r->step_out ||
        !r->absorbed)
        return false;
    for (int s = 0; s < rel->n_steps; s++) {
        const lrp_node *n = &rel->g->nodes[rel->steps[s]];
        r->step_node[s] = n->name;
        r->step_op[s] = n->op_type;
        r->step_rule[s] = rules[rel->steps[s]].name;
    }
    memcpy(r->step_in, rel->ledger.step_in, per * sizeof *r->step_in);
    memcpy(r->step_out, rel->ledger.step_out, per * sizeof *r->step_out);
    memcpy(r->absorbed, rel->ledger.absorbed, per * sizeof *r->absorbed);
    return true;
}

/* Residual k's flows come from the step of its Add: what it passed on to
 * the slots of M and S. */
static void copy_residuals(lrp_report *r, const lrp_relevance *rel, const lrp_rule *rules)
{
    int k = 0;
    for (int s = rel->n_steps - 1; s >= 0; s--) { /* topological order, as inspect lists */
        const lrp_rule *rule = &rules[rel->steps[s]];
        if (rule->kind != LRP_RULE_SPLIT || k >= r->n_residuals)
            continue;
        int ms = rule->mainstream_slot;
        for (int i = 0; i < r->n_images; i++) {
            size_t at = (size_t)s * r->n_images + i, out = (size_t)k * r->n_images + i;
            r->res_in[out] = rel->ledger.step_in[at];
            r->res_main[out] = lrp_ledger_passed(&rel->ledger, s, ms, i);
            r->res_short[out] = lrp_ledger_passed(&rel->ledger, s, 1 - ms, i);
        }
        r->res_node[k] = rel->g->nodes[rel->steps[s]].name;
        r->res_kind[k] = rule->residual->kind == LRP_SHORTCUT_IDENTITY ? "identity"
                                                                       : "projection";
        k++;
    }
    r->n_residuals = k;
}

lrp_status lrp_report_finish(lrp_report *r, const lrp_relevance *rel, const lrp_rule *rules,
                             const lrp_tensor *input, lrp_array *relevance, lrp_error *err)
{
    const float *r_x = rel ? rel->of[rel->g->inputs[0]] : NULL;
    size_t count = lrp_tensor_count(input), chunk = count / (size_t)r->n_images;
    if (rel && !copy_steps(r, rel, rules))
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory for the report");
    if (rel)
        copy_residuals(r, rel, rules);
    relevance->rank = input->rank;
    memcpy(relevance->dims, input->dims, sizeof relevance->dims);
    relevance->data = calloc(count + 1, sizeof(float));
    if (!relevance->data)
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory for the relevance map");
    if (r_x)
        memcpy(relevance->data, r_x, count * sizeof(float));
    for (int i = 0; i < r->n_images; i++) {
        double s = 0.0;
        for (size_t k = 0; k < chunk; k++)
            s += relevance->data[(size_t)i * chunk + k];
        r->input_sum[i] = s;
    }
    return LRP_OK;
}

int lrp_report_images(const lrp_report *r)
{
    return r->n_images;
}

/* The stabilizers' part of image i's missing relevance, relative to the seed. */
static double stabilizer_loss(const lrp_report *r, int i, double seed)
{
    double kept = 0.0;
    for (int s = 0; s < r->n_steps; s++)
        kept += r->absorbed[(size_t)s * r->n_images + i];
    return seed != 0.0 ? kept / seed : 0.0;
}

lrp_image_report lrp_report_image(const lrp_report *r, int i)
{
    double seed = r->seed[i];
    double error = seed != 0.0 ? (r->input_sum[i] - seed) / seed : 0.0;
    double stab = stabilizer_loss(r, i, seed);
    return (lrp_image_report){
        .target = r->target[i],
        .n_classes = r->n_classes,
        .logits = r->logits + (size_t)i * r->n_classes,
        .probability = lrp_output_probability(LRP_OUTPUT_LOGITS,
                                              r->logits + (size_t)i * r->n_classes,
                                              r->n_classes, r->target[i]),
        .output_relevance = seed,
        .input_relevance_sum = r->input_sum[i],
        .conservation_error = r->conserves ? error : NAN,
        .bias_loss = r->conserves ? -error - stab : NAN,
        .stabilizer_loss = r->conserves ? stab : NAN,
    };
}

double lrp_report_forward_ms(const lrp_report *r)
{
    return r->forward_ms;
}

void lrp_report_passes(const lrp_report *r, long *forwards, long *backwards)
{
    *forwards = r->forward_passes;
    *backwards = r->backward_passes;
}

void lrp_report_memory(const lrp_report *r, size_t *weight_bytes, size_t *kept_bytes)
{
    *weight_bytes = r->weight_bytes;
    *kept_bytes = r->kept_bytes;
}

double lrp_report_explain_ms(const lrp_report *r)
{
    return r->explain_ms;
}

int lrp_report_steps(const lrp_report *r)
{
    return r->n_steps;
}

lrp_node_flow lrp_report_step(const lrp_report *r, int i, int s)
{
    size_t at = (size_t)s * r->n_images + i;
    double seed = r->seed[i];
    return (lrp_node_flow){
        .node = r->step_node[s],
        .op = r->step_op[s],
        .rule = r->step_rule[s],
        .relevance_in = r->step_in[at],
        .relevance_out = r->step_out[at],
        .leak = seed != 0.0 ? (r->step_out[at] - r->step_in[at]) / seed : 0.0,
        .absorbed = seed != 0.0 ? r->absorbed[at] / seed : 0.0,
    };
}

int lrp_report_residuals(const lrp_report *r)
{
    return r->n_residuals;
}

lrp_residual_flow lrp_report_residual(const lrp_report *r, int i, int k)
{
    size_t at = (size_t)k * r->n_images + i;
    double in = r->res_in[at];
    return (lrp_residual_flow){
        .node = r->res_node[k],
        .kind = r->res_kind[k],
        .relevance = in,
        .mainstream = r->res_main[at],
        .shortcut = r->res_short[at],
        .mainstream_share = in != 0.0 ? r->res_main[at] / in : 0.0,
    };
}

int lrp_report_unclassified_adds(const lrp_report *r)
{
    return r->model->n_plain_adds;
}

lrp_unclassified_add lrp_report_unclassified_add(const lrp_report *r, int k)
{
    return lrp_model_unclassified_add(r->model, k);
}
