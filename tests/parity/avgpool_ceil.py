#!/usr/bin/python3
# AveragePool with ceil_mode=1 and count_include_pad=1, where the last window
# runs past the padded input (its divisor counts only the taps up to the
# trailing pad): the forward pass against torch's avg_pool2d and onnxruntime,
# the `gradient` preset against torch autograd (float64), and the norm rule's
# conservation at the pool (its R_in sums to the R it received).
import argparse
import json
import os
import shutil
import tempfile

from parity_common import compare, finish, run, skip

try:
    import numpy as np
    import onnx
    import torch
    import torch.nn.functional as F
    from onnx import TensorProto, helper, numpy_helper
except ImportError as e:
    skip("%s is not available" % e.name)

ap = argparse.ArgumentParser(description="onnx-lrp AveragePool ceil_mode + count_include_pad")
ap.add_argument("--cli", required=True)
ap.add_argument("--ort-dir", required=True, help="tests/ort (run.js + node_modules)")
args = ap.parse_args()

# (input size, kernel, stride, pad): the last window covers one input row and
# column (divisor 1, not 4), or one input and one pad row (2 x 2, not 9)
CASES = [(5, 2, 2, 0), (6, 3, 2, 1)]
CHANNELS, CLASSES, TARGET = 2, 4, 1
passed = failed = 0


def report(label, ok, detail):
    global passed, failed
    print("%-40s %s  %s" % (label, detail, "PASS" if ok else "FAIL"))
    passed += ok
    failed += not ok


def report_verdict(label, verdict):
    """A compare() verdict, which ends in PASS or FAIL."""
    global passed, failed
    print("%-40s %s" % (label, verdict))
    passed += verdict.endswith("PASS")
    failed += not verdict.endswith("PASS")


def pool_node(k, s, p, x, y):
    return helper.make_node("AveragePool", [x], [y], name="pool", kernel_shape=[k, k], strides=[s, s],
                            pads=[p] * 4, ceil_mode=1, count_include_pad=1)


def save(path, nodes, x_shape, y_shape, inits):
    graph = helper.make_graph(nodes, "avgpool_ceil",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, y_shape)],
                              [numpy_helper.from_array(v.astype(np.float32), k) for k, v in inits.items()])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)


def pool_only(path, n, k, s, p, out):
    save(path, [pool_node(k, s, p, "x", "y")], [1, CHANNELS, n, n], [1, CHANNELS, out, out], {})


def conv_pool_gemm(path, n, k, s, p, out, w):
    nodes = [helper.make_node("Conv", ["x", "W", "B"], ["c"], name="conv", kernel_shape=[3, 3],
                              pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"], name="relu"),
             pool_node(k, s, p, "r", "a"),
             helper.make_node("Flatten", ["a"], ["f"], name="flatten"),
             helper.make_node("Gemm", ["f", "Wf", "Bf"], ["y"], name="fc", transB=1)]
    save(path, nodes, [1, CHANNELS, n, n], [1, CLASSES], w)


def torch_model(x, k, s, p, w):
    t = {key: torch.tensor(v, dtype=torch.float64) for key, v in w.items()}
    r = torch.relu(F.conv2d(x, t["W"], t["B"], padding=1))
    a = F.avg_pool2d(r, k, s, padding=p, ceil_mode=True, count_include_pad=True)
    return a.flatten(1) @ t["Wf"].T + t["Bf"]


def cli(cmd):
    ok, out, err = run([args.cli] + cmd)
    if not ok:
        raise RuntimeError(err)
    return out


def check_case(tmp, n, k, s, p, node, run_js):
    label = "n=%d k=%d s=%d pad=%d" % (n, k, s, p)
    rng = np.random.default_rng(n)
    x = rng.standard_normal((1, CHANNELS, n, n)).astype(np.float32)
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    ref_pool = F.avg_pool2d(xt, k, s, padding=p, ceil_mode=True, count_include_pad=True)
    out = ref_pool.shape[-1]
    xp, yp, ortp = (os.path.join(tmp, f) for f in ("x.npy", "y.npy", "ort.npy"))
    np.save(xp, x)

    model = os.path.join(tmp, "pool.onnx")
    pool_only(model, n, k, s, p, out)
    cli(["forward", model, "--input-tensor", xp, "--output-tensor", yp])
    verdict = compare(yp, ref_pool.detach().numpy(), 1e-6, "torch")
    report_verdict(label + " forward vs torch", verdict)
    if run_js:
        ok, _, err = run([node, run_js, model, xp, ortp])
        verdict = compare(yp, np.load(ortp), 1e-6, "onnxruntime") if ok else "FAIL (onnxruntime %s)" % err
        report_verdict(label + " forward vs onnxruntime", verdict)

    w = {"W": rng.standard_normal((CHANNELS, CHANNELS, 3, 3)) * 0.5, "B": rng.standard_normal(CHANNELS) * 0.1,
         "Wf": rng.standard_normal((CLASSES, CHANNELS * out * out)) * 0.5, "Bf": np.zeros(CLASSES)}
    w = {key: v.astype(np.float32).astype(np.float64) for key, v in w.items()}
    model = os.path.join(tmp, "net.onnx")
    conv_pool_gemm(model, n, k, s, p, out, w)
    logit = torch_model(xt, k, s, p, w)[0, TARGET]
    (grad,) = torch.autograd.grad(logit, xt)
    rp = os.path.join(tmp, "grad.npy")
    cli(["explain", model, "--input-tensor", xp, "--preset", "gradient", "--target", str(TARGET),
         "--relevance-out", rp])
    verdict = compare(rp, grad.numpy(), 1e-5, "torch autograd")
    report_verdict(label + " gradient vs torch autograd", verdict)

    report_json = json.loads(cli(["explain", model, "--input-tensor", xp, "--target", str(TARGET), "--json"]))
    leak = [e for e in report_json["leaks"] if e["node"] == "pool"][0]
    r_at, r_in, kept = leak["relevance_in"], leak["relevance_out"], leak["absorbed"]
    gap = abs(r_in + kept - r_at)
    report(label + " norm rule conserves", gap <= 1e-5 * abs(r_at),
           "R %.7g  sum R_in %.7g  absorbed %.2g" % (r_at, r_in, kept))


node = shutil.which("node")
run_js = os.path.join(args.ort_dir, "run.js")
if node is None or not os.path.isdir(os.path.join(args.ort_dir, "node_modules", "onnxruntime-node")):
    print("onnxruntime-node not available: the forward is checked against torch only")
    run_js = None
with tempfile.TemporaryDirectory(prefix="onnx-lrp-avgpool-") as tmp:
    for case in CASES:
        try:
            check_case(tmp, *case, node, run_js)
        except RuntimeError as e:
            report("n=%d k=%d s=%d pad=%d" % case, False, "onnx-lrp failed: %s" % str(e).strip())
finish(passed, failed)
