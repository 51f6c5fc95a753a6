#!/usr/bin/env python3
"""explain --json's memory figures against numpy (issue 13's RSS target).

weights_mib must be the bytes of the model's float32 initializers (summed
here from the ONNX file), and kept_mib the bytes of the activations the
forward pass keeps for the relevance pass of LRP-epsilon: the input, the
logits and each weighted layer's input x (R_in = x * W^T s; a ReLU needs no
mask of its own, as R at its output is zero where it is), sized here by
ONNX shape inference, at batch 1 and 2, on both backends where built.
peak_rss_mib is the run's own, not its parent's: run from this script while
it holds 400 MiB, the tiny model's run reports less than half of that.

  memory_report.py --cli PATH
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

from parity_common import finish, skip

try:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper, shape_inference
except ImportError as e:
    skip("needs numpy and onnx (%s)" % e)

MIB = float(1 << 20)
HELD_MIB = 400  # resident in this process while it runs the CLI


def build_model(path):
    """Conv+B -> BatchNormalization -> Relu -> Conv -> Relu -> Flatten ->
    Gemm(transB) on (N,3,12,12), seeded."""
    rng = np.random.default_rng(13)
    f = lambda *s: rng.standard_normal(s).astype(np.float32)
    inits = {"W1": f(8, 3, 3, 3), "B1": f(8), "scale": f(8) + 2, "beta": f(8),
             "mean": f(8), "var": np.abs(f(8)) + 0.5, "W2": f(16, 8, 3, 3),
             "W3": f(10, 16 * 6 * 6), "C3": f(10)}
    nodes = [
        helper.make_node("Conv", ["x", "W1", "B1"], ["c1"], pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c1", "scale", "beta", "mean", "var"], ["b1"]),
        helper.make_node("Relu", ["b1"], ["r1"]),
        helper.make_node("Conv", ["r1", "W2"], ["c2"], pads=[1, 1, 1, 1], strides=[2, 2]),
        helper.make_node("Relu", ["c2"], ["r2"]),
        helper.make_node("Flatten", ["r2"], ["flat"]),
        helper.make_node("Gemm", ["flat", "W3", "C3"], ["logits"], transB=1),
    ]
    graph = helper.make_graph(
        nodes, "memory", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 12, 12])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])],
        [numpy_helper.from_array(v, k) for k, v in inits.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.save(model, path)
    return model


def weight_bytes(model):
    return sum(numpy_helper.to_array(t).nbytes for t in model.graph.initializer
               if t.data_type == TensorProto.FLOAT)


def kept_bytes(model, batch):
    """Bytes of the kept activations at this batch size (float32)."""
    inferred = shape_inference.infer_shapes(model)
    dims = {}
    for v in list(inferred.graph.value_info) + list(inferred.graph.input) + \
            list(inferred.graph.output):
        shape = [d.dim_value if d.HasField("dim_value") else batch
                 for d in v.type.tensor_type.shape.dim]
        dims[v.name] = int(np.prod(shape))
    kept = {"x", "logits"}
    for n in model.graph.node:
        if n.op_type in ("Conv", "Gemm"):
            kept.add(n.input[0])
    return 4 * sum(dims[v] for v in kept)


def explain(cli, model_path, x_path, backend):
    p = subprocess.run([cli, "explain", model_path, "--input-tensor", x_path, "--json",
                        "--preset", "epsilon", "--backend", backend],
                       capture_output=True, text=True)
    if p.returncode != 0:
        return None, (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[0]
    lines = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
    return lines, None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    a = ap.parse_args()
    version = subprocess.run([a.cli, "--version"], capture_output=True, text=True).stdout
    backends = ["openblas"] + (["dnnl"] if "onednn" in version.lower() else [])
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "memory.onnx")
        model = build_model(path)
        want_w = weight_bytes(model) / MIB
        for batch in (1, 2):
            x_path = os.path.join(tmp, "x%d.npy" % batch)
            np.save(x_path, np.random.default_rng(batch).standard_normal(
                (batch, 3, 12, 12)).astype(np.float32))
            want_k = kept_bytes(model, batch) / MIB
            for backend in backends:
                lines, err = explain(a.cli, path, x_path, backend)
                what = "batch %d, %s: weights_mib %.6f, kept_mib %.6f" % (batch, backend,
                                                                          want_w, want_k)
                if err:
                    print("FAIL %s: %s" % (what, err))
                    failed += 1
                    continue
                got = [(l.get("weights_mib"), l.get("kept_mib")) for l in lines]
                ok = len(got) == batch and all(
                    w is not None and k is not None and abs(w - want_w) <= 1e-9 * want_w and
                    abs(k - want_k) <= 1e-9 * want_k for w, k in got)
                print("%s %s (got %s)" % ("ok  " if ok else "FAIL", what, got[0] if got else None))
                passed, failed = passed + ok, failed + (not ok)
        # peak_rss_mib is the run's own: Linux carries ru_maxrss over exec from the parent
        held = bytearray(HELD_MIB << 20)
        for i in range(0, len(held), 4096):
            held[i] = 1  # resident
        lines, err = explain(a.cli, path, x_path, "openblas")
        del held
        rss = lines[0].get("peak_rss_mib") if lines else None
        ok = rss is not None and rss < HELD_MIB / 2
        print("%s peak_rss_mib of a run from a parent holding %d MiB: %s (limit %d)" %
              ("ok  " if ok else "FAIL", HELD_MIB, err or rss, HELD_MIB // 2))
        passed, failed = passed + ok, failed + (not ok)
    finish(passed, failed)


if __name__ == "__main__":
    main()
