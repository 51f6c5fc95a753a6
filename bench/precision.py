"""--precision bf16 against f32 from the bench scripts (issue 13's opt-in target): whether a
binary runs bf16 here at all, and one explanation's --json in either precision."""
import subprocess

import cli

PRECISIONS = ("f32", "bf16")
BACKEND = "dnnl"  # bf16 runs on oneDNN's convolutions only


def unavailable(onnx_lrp):
    """None when onnx_lrp runs --precision bf16 on this machine, else why not: its one-line exit-2
    message (no dnnl backend built in, or a CPU without AVX512_BF16 and AMX)."""
    p = subprocess.run([onnx_lrp, "--backend", BACKEND, "--precision", "bf16", "--version"],
                       capture_output=True, text=True)
    if p.returncode == 0:
        return None
    lines = p.stderr.strip().splitlines()
    return lines[-1] if lines else "%s exited with %d" % (onnx_lrp, p.returncode)


def explain(onnx_lrp, precision, model, x, argv, threads, repeat=1, relevance=None):
    """The first image's --json of `explain MODEL --input-tensor X ARGV` on BACKEND in
    'precision' (medians of 'repeat' runs), with total_ms = forward_ms + explain_ms (what one
    explanation costs); its input relevance written to the file 'relevance' when given.
    RuntimeError naming the command when onnx-lrp fails."""
    cmd = [onnx_lrp, "--backend", BACKEND, "--precision", precision, "explain", model,
           "--input-tensor", x, "--json", "--threads", str(threads), "--repeat", str(repeat)]
    j = cli.run_json(cmd + argv + (["--relevance-out", relevance] if relevance else []))
    j["total_ms"] = j["forward_ms"] + j["explain_ms"]
    return j
