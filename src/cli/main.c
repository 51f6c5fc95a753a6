/* onnx-lrp: the command-line front end. Dispatches to one subcommand. */
#include <stdio.h>
#include <string.h>

#include "blas/gemm.h"
#include "cli/cli.h"
#include "ops/conv_dnnl.h"

static const char usage[] =
    "usage: onnx-lrp <command> [options]\n"
    "\n"
    "Layer-wise Relevance Propagation for ResNets exported to ONNX.\n"
    "\n"
    "commands:\n"
    "  inspect MODEL.onnx        inputs, outputs, ops, parameters, FLOPs and the\n"
    "                            residual Adds where relevance is split\n"
    "  forward MODEL.onnx        run the model on an (N,C,H,W) float32 .npy\n"
    "  explain MODEL.onnx        LRP relevance of the input, with a per-node\n"
    "                            conservation report\n"
    "  evaluate MODEL.onnx       Insertion/Deletion scores of explanation methods\n"
    "  merge OUT SHARD_DIR...    join the shards of an evaluate --shard run\n"
    "  status OUT_DIR...         progress of evaluate runs or shards, summed\n"
    "\n"
    "  onnx-lrp <command> --help   options of one command\n"
    "  onnx-lrp --version          print the version, the convolution engines\n"
    "                              built in and the instruction sets in use\n"
    "\n"
    "  --max-memory SIZE           limit for one workspace (activations, relevance),\n"
    "                              checked before allocating (default: 3/4 of RAM,\n"
    "                              at most 16G); any command\n"
    "  --backend openblas|dnnl     the convolution engine (default: dnnl when\n"
    "                              built in); any command\n"
    "  --precision f32|bf16        what the convolutions read (default f32); bf16:\n"
    "                              bfloat16 inputs and weights, f32 sums, on dnnl\n"
    "                              with AVX512_BF16 or AMX only; any command\n"
    "\n"
    "exit codes: 0 ok, 1 some work failed, 2 bad input or usage,\n"
    "            3 relevance not conserved (--check-conservation)\n";

/* The version, the engines and what the CPU offers the code that is ours:
 * OpenBLAS picks its kernels by CPU, oneDNN its instruction set. */
static void print_version(void)
{
    printf("onnx-lrp %s\n", lrp_version());
    printf("backends: %s (default %s)\n",
           lrp_backend_available(LRP_BACKEND_DNNL) ? "openblas dnnl" : "openblas",
           lrp_backend_name(LRP_BACKEND_DEFAULT));
    printf("openblas: %s\n", lrp_blas_describe());
    const char *dnnl = lrp_dnnl_describe();
    printf("dnnl: %s\n", dnnl ? dnnl : "not built in (meson -Ddnnl=enabled, libdnnl-dev)");
    lrp_error err;
    bool bf16 = lrp_precision_check(LRP_BACKEND_DNNL, LRP_PRECISION_BF16, &err) == LRP_OK;
    printf("precision: %s on %s (bf16: %s)\n", lrp_precision_name(cli_precision()),
           cli_backend_name(), bf16 ? "available, --precision bf16" : err.message);
    __builtin_cpu_init();
    fputs("cpu:", stdout);
#define FEATURE(name) fputs(__builtin_cpu_supports(name) ? " " name : "", stdout)
    FEATURE("sse4.2");
    FEATURE("avx");
    FEATURE("avx2");
    FEATURE("fma");
    FEATURE("avx512f");
    FEATURE("avx512bw");
    FEATURE("avx512vnni");
    FEATURE("avx512bf16");
    FEATURE("amx-bf16");
#undef FEATURE
    putchar('\n');
}

int main(int argc, char **argv)
{
    /* onnx-lrp's own workers call the BLAS: threads inside it would only
       compete with them (and would round differently per thread count) */
    lrp_blas_set_threads(1);
    if (cli_take_max_memory(&argc, argv) || cli_take_backend(&argc, argv))
        return CLI_BAD_INPUT;
    if (argc < 2) {
        fputs(usage, stderr);
        return CLI_BAD_INPUT;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage, stdout);
        return CLI_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        print_version();
        return CLI_OK;
    }
    if (strcmp(cmd, "inspect") == 0)
        return cmd_inspect(argc - 1, argv + 1);
    if (strcmp(cmd, "forward") == 0)
        return cmd_forward(argc - 1, argv + 1);
    if (strcmp(cmd, "explain") == 0)
        return cmd_explain(argc - 1, argv + 1);
    if (strcmp(cmd, "evaluate") == 0)
        return cmd_evaluate(argc - 1, argv + 1);
    if (strcmp(cmd, "merge") == 0)
        return cmd_merge(argc - 1, argv + 1);
    if (strcmp(cmd, "status") == 0)
        return cmd_status(argc - 1, argv + 1);
    fprintf(stderr, "onnx-lrp: unknown command '%s'\n\n%s", cmd, usage);
    return CLI_BAD_INPUT;
}
