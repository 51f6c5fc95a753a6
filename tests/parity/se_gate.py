#!/usr/bin/python3
# Squeeze-and-excitation (method §3): at Mul(signal, gate), with the gate a
# Sigmoid's output, LRP holds the gate constant: all relevance to the signal,
# none into the gate branch. On Conv -> Relu -> SE (ReduceMean, 1x1 Conv,
# Relu, 1x1 Conv, Sigmoid, broadcast Mul) -> GlobalAveragePool -> Gemm:
# epsilon-plus --zero-bias (z⁺ at the Conv, Norm at the pool, epsilon at the
# Gemm) against the same rules written out in torch, the gate a constant;
# the rules the report names (Mul "gated", nothing on the gate's nodes); and
# the gradient preset, which does go through the gate, against autograd.
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

ap = argparse.ArgumentParser(description="onnx-lrp at a squeeze-and-excitation gate")
ap.add_argument("--cli", required=True)
args = ap.parse_args()
C_IN, C, RD, HW, CLASSES, TARGET, EPS = 3, 6, 2, 8, 4, 2, 1e-6
passed = failed = 0


def report(label, ok, detail):
    global passed, failed
    print("%-44s %s  %s" % (label, detail, "PASS" if ok else "FAIL"))
    passed += bool(ok)
    failed += not ok


def verdict(label, line):
    """A compare() line: its numbers, and its PASS/FAIL as the verdict."""
    report(label, line.endswith("PASS"), line.rsplit(" ", 1)[0].strip())


rng = np.random.default_rng(33)
w = {"W1": rng.standard_normal((C, C_IN, 3, 3)), "B1": rng.standard_normal(C) * 0.1,
     "Wr": rng.standard_normal((RD, C, 1, 1)), "Br": rng.standard_normal(RD) * 0.1,
     "We": rng.standard_normal((C, RD, 1, 1)), "Be": rng.standard_normal(C) * 0.1,
     "Wf": rng.standard_normal((CLASSES, C)), "Bf": rng.standard_normal(CLASSES) * 0.1,
     "axes": np.array([2, 3])}
w = {k: (v.astype(np.float32).astype(np.float64) if k != "axes" else v) for k, v in w.items()}
t = {k: torch.tensor(v, dtype=torch.float64) for k, v in w.items() if k != "axes"}


def save(path):
    nodes = [helper.make_node("Conv", ["x", "W1", "B1"], ["c"], name="conv", kernel_shape=[3, 3], pads=[1] * 4),
             helper.make_node("Relu", ["c"], ["r"], name="relu"),
             helper.make_node("ReduceMean", ["r"], ["sq"], name="squeeze", axes=[2, 3], keepdims=1),
             helper.make_node("Conv", ["sq", "Wr", "Br"], ["e1"], name="reduce", kernel_shape=[1, 1]),
             helper.make_node("Relu", ["e1"], ["e2"], name="relu_se"),
             helper.make_node("Conv", ["e2", "We", "Be"], ["e3"], name="expand", kernel_shape=[1, 1]),
             helper.make_node("Sigmoid", ["e3"], ["gate"], name="sigmoid"),
             helper.make_node("Mul", ["r", "gate"], ["m"], name="scale"),
             helper.make_node("GlobalAveragePool", ["m"], ["g"], name="gap"),
             helper.make_node("Flatten", ["g"], ["f"], name="flatten"),
             helper.make_node("Gemm", ["f", "Wf", "Bf"], ["y"], name="fc", transB=1)]
    inits = [numpy_helper.from_array(v.astype(np.float32), k) for k, v in w.items() if k != "axes"]
    graph = helper.make_graph(nodes, "se", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, C_IN, HW, HW])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, CLASSES])], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)


def forward(x):
    r = torch.relu(F.conv2d(x, t["W1"], t["B1"], padding=1))
    e = F.conv2d(torch.relu(F.conv2d(r.mean((2, 3), keepdim=True), t["Wr"], t["Br"])), t["We"], t["Be"])
    gate = torch.sigmoid(e)
    m = r * gate
    f = m.mean((2, 3))
    return f @ t["Wf"].T + t["Bf"], r, gate, m, f


def stab(z):
    return z + EPS * torch.where(z >= 0, 1.0, -1.0)


def lrp_reference(x):
    """epsilon-plus, biases zeroed in the rules (not in the forward pass):
    epsilon at the Gemm, Norm at the pool, the gate constant at the Mul,
    pass at the Relu, z⁺ at the first Conv."""
    with torch.no_grad():
        _, r, gate, m, f = forward(x)
        z = f @ t["Wf"].T
        r_f = f * t["Wf"][TARGET] / stab(z[0, TARGET])
        r_m = m * (r_f / (HW * HW * stab(f)))[:, :, None, None]
    r_c = r_m  # gated Mul: all to the signal r; Relu: pass
    xp, xn = x.clamp(min=0).requires_grad_(True), x.clamp(max=0).requires_grad_(True)
    wp, wn = t["W1"].clamp(min=0), t["W1"].clamp(max=0)
    zc = F.conv2d(xp, wp, padding=1) + F.conv2d(xn, wn, padding=1)
    s = (r_c / stab(zc)).detach()
    gp, gn = torch.autograd.grad((zc * s).sum(), [xp, xn])
    return (xp * gp + xn * gn).detach().numpy()


x = rng.standard_normal((1, C_IN, HW, HW)).astype(np.float32)
xt = torch.tensor(x, dtype=torch.float64)
with tempfile.TemporaryDirectory(prefix="onnx-lrp-se-") as tmp:
    model, xp, rp = (os.path.join(tmp, f) for f in ("se.onnx", "x.npy", "r.npy"))
    save(model)
    np.save(xp, x)
    base = [args.cli, "explain", model, "--input-tensor", xp, "--target", str(TARGET), "--relevance-out", rp]
    ok, out, err = run(base + ["--preset", "epsilon-plus", "--zero-bias", "--json"])
    if ok:
        verdict("epsilon-plus, gate held constant, vs torch", compare(rp, lrp_reference(xt), 1e-5, "torch"))
        rules = {e["node"]: e["rule"] for e in json.loads(out.splitlines()[0])["leaks"]}
        gate_nodes = [n for n in ("squeeze", "reduce", "relu_se", "expand", "sigmoid") if n in rules]
        report("rules: Mul gated, none in the gate branch", rules.get("scale") == "gated" and not gate_nodes,
               "Mul %s, gate branch %s" % (rules.get("scale"), gate_nodes))
    else:
        report("epsilon-plus, gate held constant, vs torch", False, "onnx-lrp failed: " + err)
    xg = xt.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(forward(xg)[0][0, TARGET], xg)
    ok, _, err = run(base + ["--preset", "gradient"])
    if ok:
        verdict("gradient (through the gate) vs autograd", compare(rp, grad.numpy(), 1e-5, "torch autograd"))
    else:
        report("gradient (through the gate) vs autograd", False, "onnx-lrp failed: " + err)
finish(passed, failed)
