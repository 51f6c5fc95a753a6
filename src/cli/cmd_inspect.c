/* onnx-lrp inspect: what a model is made of and where its residual Adds are. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "io/json.h"

static const char help[] =
    "usage: onnx-lrp inspect MODEL.onnx [--json]\n"
    "\n"
    "Prints the model's input and output shapes, op counts, parameter count,\n"
    "multiply-accumulates of one forward pass, and one line per residual Add\n"
    "(the split points of LRP): node, kind (identity or projection shortcut),\n"
    "mainstream operand M, shortcut operand S and block input B; then each\n"
    "other Add of two activations with the reason it is no split point.\n"
    "\n"
    "  --json    one JSON object with keys inputs, outputs, ops, params, flops,\n"
    "            residual_adds, unclassified_adds (node, reason)\n";

static void print_dims(const int64_t *dims, int rank)
{
    printf("(");
    for (int i = 0; i < rank; i++)
        dims[i] < 0 ? printf("%s?", i ? ", " : "")
                    : printf("%s%lld", i ? ", " : "", (long long)dims[i]);
    printf(")");
}

static void json_dims(lrp_json *j, const int64_t *dims, int rank)
{
    lrp_json_begin_array(j);
    for (int i = 0; i < rank; i++)
        dims[i] < 0 ? lrp_json_null(j) : lrp_json_int(j, dims[i]);
    lrp_json_end_array(j);
}

static void json_tensor(lrp_json *j, const char *key, const char *name, const int64_t *dims,
                        int rank)
{
    lrp_json_key(j, key);
    lrp_json_begin_array(j);
    lrp_json_begin_object(j);
    lrp_json_key(j, "name");
    lrp_json_string(j, name);
    lrp_json_key(j, "shape");
    json_dims(j, dims, rank);
    lrp_json_end_object(j);
    lrp_json_end_array(j);
}

static void print_json(const lrp_model *m, const lrp_model_info *info)
{
    lrp_json j;
    lrp_json_init(&j, stdout, 1);
    lrp_json_begin_object(&j);
    lrp_json_key(&j, "opset");
    lrp_json_int(&j, info->opset);
    json_tensor(&j, "inputs", info->input_name, info->input_dims, info->input_rank);
    json_tensor(&j, "outputs", info->output_name, info->output_dims, info->output_rank);
    lrp_json_key(&j, "ops");
    lrp_json_begin_object(&j);
    for (int i = 0; i < info->n_op_types; i++) {
        int count;
        lrp_json_key(&j, lrp_model_op_type(m, i, &count));
        lrp_json_int(&j, count);
    }
    lrp_json_end_object(&j);
    lrp_json_key(&j, "params");
    lrp_json_int(&j, info->params);
    lrp_json_key(&j, "flops");
    lrp_json_double(&j, info->flops);
    lrp_json_key(&j, "flops_input_shape");
    json_dims(&j, info->flops_dims, info->input_rank);
    lrp_json_key(&j, "residual_adds");
    lrp_json_begin_array(&j);
    for (int i = 0; i < info->n_residual_adds; i++) {
        lrp_residual_add r = lrp_model_residual_add(m, i);
        lrp_json_begin_object(&j);
        lrp_json_key(&j, "node");
        lrp_json_string(&j, r.node);
        lrp_json_key(&j, "kind");
        lrp_json_string(&j, r.kind);
        lrp_json_key(&j, "mainstream");
        lrp_json_string(&j, r.mainstream);
        lrp_json_key(&j, "shortcut");
        lrp_json_string(&j, r.shortcut);
        lrp_json_key(&j, "block_input");
        lrp_json_string(&j, r.block_input);
        lrp_json_end_object(&j);
    }
    lrp_json_end_array(&j);
    lrp_json_key(&j, "unclassified_adds");
    lrp_json_begin_array(&j);
    for (int i = 0; i < info->n_unclassified_adds; i++) {
        lrp_unclassified_add u = lrp_model_unclassified_add(m, i);
        lrp_json_begin_object(&j);
        lrp_json_key(&j, "node");
        lrp_json_string(&j, u.node);
        lrp_json_key(&j, "reason");
        lrp_json_string(&j, u.reason);
        lrp_json_end_object(&j);
    }
    lrp_json_end_array(&j);
    lrp_json_end_object(&j);
    fputc('\n', stdout);
}

static void print_text(const char *path, const lrp_model *m, const lrp_model_info *info)
{
    printf("model   ");
    cli_put_escaped(stdout, path);
    printf(" (opset %lld, %d nodes)\ninput   ", (long long)info->opset, info->n_nodes);
    cli_put_escaped(stdout, info->input_name);
    putchar(' ');
    print_dims(info->input_dims, info->input_rank);
    printf("\noutput  ");
    cli_put_escaped(stdout, info->output_name);
    putchar(' ');
    print_dims(info->output_dims, info->output_rank);
    printf("\nparams  %lld\nflops   %.3f G multiply-accumulates at input ",
           (long long)info->params, info->flops / 1e9);
    print_dims(info->flops_dims, info->input_rank);
    printf("\nops    ");
    for (int i = 0; i < info->n_op_types; i++) {
        int count;
        const char *op = lrp_model_op_type(m, i, &count);
        printf(" %s %d%s", op, count, i + 1 < info->n_op_types ? "," : "\n");
    }
    int projections = 0;
    for (int i = 0; i < info->n_residual_adds; i++)
        projections += strcmp(lrp_model_residual_add(m, i).kind, "projection") == 0;
    printf("residual Adds: %d (%d identity, %d projection)\n", info->n_residual_adds,
           info->n_residual_adds - projections, projections);
    for (int i = 0; i < info->n_residual_adds; i++) {
        lrp_residual_add r = lrp_model_residual_add(m, i);
        const char *fields[] = {r.node, r.kind, r.mainstream, r.shortcut, r.block_input};
        const char *labels[] = {"  ", " ", " M=", " S=", " B="};
        for (int f = 0; f < 5; f++) {
            fputs(labels[f], stdout);
            cli_put_escaped(stdout, fields[f]);
        }
        putchar('\n');
    }
    if (info->n_unclassified_adds)
        printf("other Adds of two activations (no split point): %d\n",
               info->n_unclassified_adds);
    for (int i = 0; i < info->n_unclassified_adds; i++) {
        lrp_unclassified_add u = lrp_model_unclassified_add(m, i);
        fputs("  ", stdout);
        cli_put_escaped(stdout, u.node);
        fputs(": ", stdout);
        cli_put_escaped(stdout, u.reason);
        putchar('\n');
    }
}

int cmd_inspect(int argc, char **argv)
{
    const char *path = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (cli_is(argv[i], "--help") || cli_is(argv[i], "-h")) {
            fputs(help, stdout);
            return CLI_OK;
        } else if (cli_is(argv[i], "--json")) {
            json = true;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("inspect", "unknown option '%s'", argv[i]);
        } else if (path) {
            return cli_usage_error("inspect", "one model at a time ('%s' and '%s')", path,
                                   argv[i]);
        } else {
            path = argv[i];
        }
    }
    if (!path)
        return cli_usage_error("inspect", "missing MODEL.onnx");
    lrp_error err = {0};
    lrp_model *m;
    lrp_model_info info;
    if (cli_load_model(path, &m, &err))
        return cli_fail(&err);
    if (lrp_model_get_info(m, &info, &err)) {
        lrp_model_free(m);
        return cli_fail(&err);
    }
    if (json)
        print_json(m, &info);
    else
        print_text(path, m, &info);
    lrp_model_free(m);
    return CLI_OK;
}
