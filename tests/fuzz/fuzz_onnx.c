/* Fuzz target: an ONNX file from memory through import, graph building,
 * shape inference and the inspect summary; then, when the declared input is
 * small, one forward pass and one explanation under a 64 MiB workspace limit. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "lrp.h"

#define MAX_INPUT_FLOATS ((size_t)1 << 15) /* 128 KiB of input */
#define MAX_WORKSPACE ((size_t)64 << 20)

static size_t len(const char *s)
{
    return s ? strlen(s) : 0;
}

/* Every string the model hands out, read to its end (ASan checks each). */
static size_t touch_strings(const lrp_model *model, const lrp_model_info *info)
{
    size_t n = len(info->input_name) + len(info->output_name);
    for (int i = 0; i < info->n_op_types; i++) {
        int count;
        n += len(lrp_model_op_type(model, i, &count)) + (size_t)count;
    }
    for (int i = 0; i < info->n_residual_adds; i++) {
        lrp_residual_add r = lrp_model_residual_add(model, i);
        n += len(r.node) + len(r.kind) + len(r.mainstream) + len(r.shortcut) + len(r.block_input);
    }
    for (int i = 0; i < info->n_unclassified_adds; i++) {
        lrp_unclassified_add u = lrp_model_unclassified_add(model, i);
        n += len(u.node) + len(u.reason);
    }
    const char *v = lrp_model_metadata(model, "onnx_lrp.crop");
    return n + len(v);
}

/* An input of the declared shape (dynamic dims: batch 1, others 8), or 0
 * when it would exceed MAX_INPUT_FLOATS. */
static int make_input(const lrp_model_info *info, lrp_array *x)
{
    size_t n = 1;
    memset(x, 0, sizeof *x);
    if (info->input_rank < 1 || info->input_rank > LRP_MAX_RANK)
        return 0;
    x->rank = info->input_rank;
    for (int i = 0; i < x->rank; i++) {
        int64_t d = info->input_dims[i] >= 0 ? info->input_dims[i] : (i == 0 ? 1 : 8);
        if (d > (int64_t)MAX_INPUT_FLOATS || (d > 0 && n > MAX_INPUT_FLOATS / (size_t)d))
            return 0;
        x->dims[i] = d;
        n *= (size_t)d;
    }
    if (!(x->data = malloc(n ? n * sizeof(float) : 1)))
        return 0;
    for (size_t i = 0; i < n; i++)
        x->data[i] = (float)((i * 2654435761u) % 1000) / 500.0f - 1.0f;
    return 1;
}

static void explain(lrp_model *model, const lrp_array *x)
{
    lrp_config config;
    lrp_explainer *e = NULL;
    lrp_report *report = NULL;
    lrp_array relevance;
    lrp_error err;
    lrp_config_init(&config);
    if (lrp_explainer_new(model, &config, &e, &err) == LRP_OK
        && lrp_explain(e, x, &relevance, &report, &err) == LRP_OK) {
        lrp_report_free(report);
        lrp_array_free(&relevance);
    }
    lrp_explainer_free(e);
}

int FUZZ_ENTRY(onnx)(const uint8_t *data, size_t size)
{
    lrp_model *model = NULL;
    lrp_model_info info;
    lrp_error err;
    lrp_array x, y;
    if (lrp_model_load_mem(data, size, "fuzz.onnx", &model, &err) != LRP_OK) {
        (void)strlen(err.message);
        return 0;
    }
    lrp_model_set_max_memory(model, MAX_WORKSPACE);
    if (lrp_model_get_info(model, &info, &err) == LRP_OK) {
        (void)touch_strings(model, &info);
        if (make_input(&info, &x)) {
            if (lrp_model_forward(model, &x, &y, &err) == LRP_OK) {
                lrp_array_free(&y);
                explain(model, &x);
            }
            lrp_array_free(&x);
        }
    }
    lrp_model_free(model);
    return 0;
}
