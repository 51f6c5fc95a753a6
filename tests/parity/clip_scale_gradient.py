#!/usr/bin/python3
# One behaviour per op for every method: Clip (ReLU6) and Mul/Div by a
# constant have a gradient as well as an LRP rule. The `gradient` preset on a
# Conv -> Clip(0, 6) -> Mul(per-channel constant) -> Conv -> Div(scalar) ->
# Clip(-1, 1) -> GlobalAveragePool -> Gemm model against torch autograd
# (float64), with both Clips saturating on both sides; and the LRP presets
# name Clip's rule "pass" (method §3). Then the gradient of a torchvision
# MobileNetV2 (ReLU6 throughout) against torch autograd.
import argparse
import json
import os
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

ap = argparse.ArgumentParser(description="onnx-lrp gradient through Clip, Mul and Div")
ap.add_argument("--cli", required=True)
args = ap.parse_args()

C_IN, C, HW, CLASSES, TARGET = 3, 4, 8, 5, 2
passed = failed = 0


def report(label, ok, detail):
    global passed, failed
    print("%-44s %s  %s" % (label, detail, "PASS" if ok else "FAIL"))
    passed += ok
    failed += not ok


def weights(rng):
    w = {"W1": rng.standard_normal((C, C_IN, 3, 3)) * 1.5, "B1": rng.standard_normal(C),
         "scale": rng.uniform(0.5, 2.0, (1, C, 1, 1)), "W2": rng.standard_normal((C, C, 3, 3)) * 0.3,
         "B2": rng.standard_normal(C) * 0.1, "two": np.array(2.0), "Wf": rng.standard_normal((CLASSES, C)),
         "Bf": rng.standard_normal(CLASSES) * 0.1,
         "zero": np.array(0.0), "six": np.array(6.0), "m1": np.array(-1.0), "p1": np.array(1.0)}
    return {k: v.astype(np.float32).astype(np.float64) for k, v in w.items()}


def save_model(path, w):
    conv = dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    nodes = [helper.make_node("Conv", ["x", "W1", "B1"], ["c1"], name="conv1", **conv),
             helper.make_node("Clip", ["c1", "zero", "six"], ["r6"], name="relu6"),
             helper.make_node("Mul", ["scale", "r6"], ["m"], name="mul"),
             helper.make_node("Conv", ["m", "W2", "B2"], ["c2"], name="conv2", **conv),
             helper.make_node("Div", ["c2", "two"], ["d"], name="div"),
             helper.make_node("Clip", ["d", "m1", "p1"], ["t"], name="clip"),
             helper.make_node("GlobalAveragePool", ["t"], ["g"], name="gap"),
             helper.make_node("Flatten", ["g"], ["f"], name="flatten"),
             helper.make_node("Gemm", ["f", "Wf", "Bf"], ["y"], name="fc", transB=1)]
    graph = helper.make_graph(nodes, "clip_scale",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, C_IN, HW, HW])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, CLASSES])],
                              [numpy_helper.from_array(v.astype(np.float32), k) for k, v in w.items()])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)


def torch_forward(x, w):
    t = {k: torch.tensor(v, dtype=torch.float64) for k, v in w.items()}
    c1 = F.conv2d(x, t["W1"], t["B1"], padding=1)
    d = F.conv2d(torch.clamp(c1, 0.0, 6.0) * t["scale"], t["W2"], t["B2"], padding=1) / 2.0
    g = torch.clamp(d, -1.0, 1.0).mean(dim=(2, 3))
    return g @ t["Wf"].T + t["Bf"], c1, d


def explain(model, xp, preset, extra):
    ok, out, err = run([args.cli, "explain", model, "--input-tensor", xp, "--preset", preset,
                        "--target", str(TARGET)] + extra)
    if not ok:
        raise RuntimeError("%s: %s" % (preset, err))
    return out


def rule_of(report_json, node):
    return [e["rule"] for e in report_json["leaks"] if e["node"] == node]


rng = np.random.default_rng(12)
w = weights(rng)
x = rng.standard_normal((1, C_IN, HW, HW)).astype(np.float32)
xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
y, c1, d = torch_forward(xt, w)
(grad,) = torch.autograd.grad(y[0, TARGET], xt)
sat = [float((c1 < 0).double().mean()), float((c1 > 6).double().mean()),
       float((d < -1).double().mean()), float((d > 1).double().mean())]
report("the model saturates both Clips on both sides", min(sat) > 0.02,
       "fractions <0 %.2f >6 %.2f <-1 %.2f >1 %.2f" % tuple(sat))

with tempfile.TemporaryDirectory(prefix="onnx-lrp-clip-") as tmp:
    model, xp, rp = (os.path.join(tmp, f) for f in ("clip.onnx", "x.npy", "grad.npy"))
    save_model(model, w)
    np.save(xp, x)
    try:
        explain(model, xp, "gradient", ["--relevance-out", rp])
        verdict = compare(rp, grad.numpy(), 1e-5, "torch autograd")
        print("%-44s %s" % ("gradient vs torch autograd", verdict))
        passed += verdict.endswith("PASS")
        failed += not verdict.endswith("PASS")
    except RuntimeError as e:
        report("gradient vs torch autograd", False, "onnx-lrp failed: %s" % str(e).strip())
    for preset, want in (("gradient", "gradient"), ("epsilon-plus-flat", "pass"), ("otsuki2024", "pass")):
        try:
            rules = rule_of(json.loads(explain(model, xp, preset, ["--json"])), "relu6")
            report("%s: Clip's rule" % preset, rules == [want], "rule %s" % rules)
        except (RuntimeError, ValueError) as e:
            report("%s: Clip's rule" % preset, False, "onnx-lrp failed: %s" % str(e).strip())
    try:
        import torchvision
    except ImportError:
        print("torchvision is not available: MobileNetV2 not checked")
    else:  # ReLU6 throughout, BN folded by the exporter
        torch.manual_seed(0)
        net = torchvision.models.mobilenet_v2(num_classes=10, width_mult=0.35).eval()
        model = os.path.join(tmp, "mobilenet_v2.onnx")
        x = rng.standard_normal((1, 3, 32, 32)).astype(np.float32)
        torch.onnx.export(net, torch.tensor(x), model, opset_version=13)
        np.save(xp, x)
        xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        (grad,) = torch.autograd.grad(net.double()(xt)[0, TARGET], xt)
        try:
            explain(model, xp, "gradient", ["--relevance-out", rp])
            verdict = compare(rp, grad.numpy(), 1e-5, "torch autograd")
            print("%-44s %s" % ("MobileNetV2 gradient vs torch autograd", verdict))
            passed += verdict.endswith("PASS")
            failed += not verdict.endswith("PASS")
        except RuntimeError as e:
            report("MobileNetV2 gradient vs torch autograd", False, "onnx-lrp failed: %s" % str(e).strip())
finish(passed, failed)
