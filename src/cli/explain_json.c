/* The JSON fields of one explained image, shared by `explain --json` and
 * report.json. */
#include "cli/explain.h"

static void residual_adds(lrp_json *j, const lrp_report *rep, int i)
{
    lrp_json_key(j, "residual_adds");
    lrp_json_begin_array(j);
    for (int k = 0; k < lrp_report_residuals(rep); k++) {
        lrp_residual_flow f = lrp_report_residual(rep, i, k);
        lrp_json_begin_object(j);
        lrp_json_key(j, "node");
        lrp_json_string(j, f.node);
        lrp_json_key(j, "kind");
        lrp_json_string(j, f.kind);
        lrp_json_key(j, "relevance");
        lrp_json_double(j, f.relevance);
        lrp_json_key(j, "mainstream");
        lrp_json_double(j, f.mainstream);
        lrp_json_key(j, "shortcut");
        lrp_json_double(j, f.shortcut);
        lrp_json_key(j, "mainstream_share");
        lrp_json_double(j, f.mainstream_share);
        lrp_json_end_object(j);
    }
    lrp_json_end_array(j);
}

/* Adds of two activations that are no split point: the Add rule, not --split. */
static void unclassified_adds(lrp_json *j, const lrp_report *rep)
{
    lrp_json_key(j, "unclassified_adds");
    lrp_json_begin_array(j);
    for (int k = 0; k < lrp_report_unclassified_adds(rep); k++) {
        lrp_unclassified_add u = lrp_report_unclassified_add(rep, k);
        lrp_json_begin_object(j);
        lrp_json_key(j, "node");
        lrp_json_string(j, u.node);
        lrp_json_key(j, "reason");
        lrp_json_string(j, u.reason);
        lrp_json_end_object(j);
    }
    lrp_json_end_array(j);
}

static void leaks(lrp_json *j, const lrp_report *rep, int i)
{
    lrp_json_key(j, "leaks");
    lrp_json_begin_array(j);
    for (int s = 0; s < lrp_report_steps(rep); s++) {
        lrp_node_flow f = lrp_report_step(rep, i, s);
        lrp_json_begin_object(j);
        lrp_json_key(j, "node");
        lrp_json_string(j, f.node);
        lrp_json_key(j, "op");
        lrp_json_string(j, f.op);
        lrp_json_key(j, "rule");
        lrp_json_string(j, f.rule);
        lrp_json_key(j, "relevance_in");
        lrp_json_double(j, f.relevance_in);
        lrp_json_key(j, "relevance_out");
        lrp_json_double(j, f.relevance_out);
        lrp_json_key(j, "leak");
        lrp_json_double(j, f.leak);
        lrp_json_key(j, "absorbed");
        lrp_json_double(j, f.absorbed);
        lrp_json_end_object(j);
    }
    lrp_json_end_array(j);
}

void cli_json_method_fields(lrp_json *j, const lrp_explainer *e)
{
    const float *low, *high;
    int n = lrp_explainer_zbox_bounds(e, &low, &high);
    if (n > 0) {
        lrp_json_key(j, "zbox_bounds");
        lrp_json_begin_object(j);
        lrp_json_key(j, "low");
        lrp_json_begin_array(j);
        for (int c = 0; c < n; c++)
            lrp_json_float(j, low[c]);
        lrp_json_end_array(j);
        lrp_json_key(j, "high");
        lrp_json_begin_array(j);
        for (int c = 0; c < n; c++)
            lrp_json_float(j, high[c]);
        lrp_json_end_array(j);
        lrp_json_end_object(j);
    }
    if (lrp_explainer_notes(e) == 0)
        return;
    lrp_json_key(j, "notes");
    lrp_json_begin_array(j);
    for (int i = 0; i < lrp_explainer_notes(e); i++)
        lrp_json_string(j, lrp_explainer_note(e, i));
    lrp_json_end_array(j);
}

void cli_json_image_fields(lrp_json *j, const lrp_report *rep, int i, const lrp_explainer *e,
                           double forward_ms, double explain_ms)
{
    lrp_image_report ir = lrp_report_image(rep, i);
    lrp_json_key(j, "preset");
    lrp_json_string(j, lrp_explainer_preset(e));
    lrp_json_key(j, "split");
    lrp_json_string(j, lrp_split_name(lrp_explainer_split(e)));
    cli_json_method_fields(j, e);
    lrp_json_key(j, "target");
    lrp_json_int(j, ir.target);
    lrp_json_key(j, "logits");
    lrp_json_begin_array(j);
    for (int k = 0; k < ir.n_classes; k++)
        lrp_json_float(j, ir.logits[k]);
    lrp_json_end_array(j);
    lrp_json_key(j, "output_relevance");
    lrp_json_double(j, ir.output_relevance);
    lrp_json_key(j, "input_relevance_sum");
    lrp_json_double(j, ir.input_relevance_sum);
    lrp_json_key(j, "conservation_error");
    lrp_json_double(j, ir.conservation_error); /* NaN, so null, where the method defines none */
    lrp_json_key(j, "forward_ms");
    lrp_json_double(j, forward_ms);
    lrp_json_key(j, "explain_ms");
    lrp_json_double(j, explain_ms);
    residual_adds(j, rep, i);
    unclassified_adds(j, rep);
    leaks(j, rep, i);
}
