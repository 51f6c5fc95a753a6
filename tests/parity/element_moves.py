#!/usr/bin/python3
# Pad, Slice and Transpose (method §3): they only move elements, so their
# relevance is the adjoint of the move (Pad: the unpadded crop, Slice: the
# picked elements, Transpose: the inverse permutation). On Relu -> Pad
# (asymmetric and negative pads) -> Slice (two axes, a negative step) ->
# Transpose -> Flatten -> Gemm: the forward against onnxruntime and torch,
# the gradient against torch autograd (float64), and epsilon-plus's z⁺
# relevance (--zero-bias) against the rule computed in torch, routed back
# through torch's own pad/slice/permute. Pad before opset 11 (attributes)
# with a nonzero value against torch. And the refusals: a Pad mode other
# than constant, a Slice or Transpose that moves the batch axis: exit 2
# naming the node; so do hostile pads, steps and shapes.
import argparse
import os
import shutil
import tempfile

from parity_common import compare, finish, run, run_status, skip

try:
    import numpy as np
    import onnx
    import torch
    import torch.nn.functional as F
    from onnx import TensorProto, helper, numpy_helper
except ImportError as e:
    skip("%s is not available" % e.name)

ap = argparse.ArgumentParser(description="onnx-lrp on Pad, Slice, Transpose")
ap.add_argument("--cli", required=True)
ap.add_argument("--ort-dir", required=True, help="tests/ort (run.js + node_modules)")
args = ap.parse_args()
C, HW, CLASSES, TARGET = 3, 8, 5, 1
PADS = [0, 0, 1, 2, 0, 0, -1, 1]  # (N, C, H, W) begins, then ends
STARTS, ENDS, AXES, STEPS = [1, 6], [3, -20], [1, 3], [1, -2]
PERM = [0, 2, 3, 1]
passed = failed = 0


def report(label, ok, detail):
    global passed, failed
    print("%-48s %s  %s" % (label, detail, "PASS" if ok else "FAIL"))
    passed += bool(ok)
    failed += not ok


def verdict(label, line):
    """A compare() line: its numbers, and its PASS/FAIL as the verdict."""
    report(label, line.endswith("PASS"), line.rsplit(" ", 1)[0].strip())


def moves(x):
    """The graph's Pad -> Slice -> Transpose in torch (F.pad takes the last
    axis first); Slice with step -2 from 6 down to the clamped end -1."""
    p = F.pad(x, (PADS[3], PADS[7], PADS[2], PADS[6]))
    s = p[:, STARTS[0]:ENDS[0]]
    s = s[..., torch.arange(STARTS[1], -1, STEPS[1])]
    return s.permute(*PERM)


def ints(name, v):
    return numpy_helper.from_array(np.array(v, dtype=np.int64), name)


def save(path, nodes, x_shape, inits, opset=13, n_features=None):
    graph = helper.make_graph(nodes, "moves", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)]), path)


rng = np.random.default_rng(21)
x = rng.standard_normal((1, C, HW, HW)).astype(np.float32)
with torch.no_grad():
    n_features = moves(torch.zeros(1, C, HW, HW)).numel()
W = rng.standard_normal((CLASSES, n_features)).astype(np.float32)
B = rng.standard_normal(CLASSES).astype(np.float32)


def forward_torch(xt, bias=True):
    m = moves(torch.relu(xt))
    return torch.flatten(m, 1) @ torch.tensor(W, dtype=torch.float64).T + (
        torch.tensor(B, dtype=torch.float64) if bias else 0.0)


def zplus_reference():
    """z⁺ at the Gemm (inputs >= 0 after the Relu, no bias), seed 1 at the
    target; then the relevance of each moved element back to its source."""
    xt = torch.tensor(x, dtype=torch.float64)
    xr = torch.relu(xt).requires_grad_(True)
    m = torch.flatten(moves(xr), 1)
    wp = torch.tensor(W, dtype=torch.float64).clamp(min=0)
    z = (m @ wp.T).detach()[0, TARGET]
    s = wp[TARGET] / (z + 1e-6)  # R_m = m ⊙ s
    (g,) = torch.autograd.grad((m * s).sum(), xr)  # Σ over the copies of each x
    return (xr * g).detach().numpy()


with tempfile.TemporaryDirectory(prefix="onnx-lrp-moves-") as tmp:
    model, xp = os.path.join(tmp, "moves.onnx"), os.path.join(tmp, "x.npy")
    np.save(xp, x)
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="relu"),
             helper.make_node("Pad", ["r", "pads"], ["p"], name="pad", mode="constant"),
             helper.make_node("Slice", ["p", "starts", "ends", "axes", "steps"], ["s"], name="slice"),
             helper.make_node("Transpose", ["s"], ["t"], name="transpose", perm=PERM),
             helper.make_node("Flatten", ["t"], ["f"], name="flatten"),
             helper.make_node("Gemm", ["f", "W", "B"], ["y"], name="fc", transB=1)]
    inits = [ints("pads", PADS), ints("starts", STARTS), ints("ends", ENDS), ints("axes", AXES),
             ints("steps", STEPS), numpy_helper.from_array(W, "W"), numpy_helper.from_array(B, "B")]
    save(model, nodes, [1, C, HW, HW], inits)
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = forward_torch(xt)
    (grad,) = torch.autograd.grad(y[0, TARGET], xt)

    yp = os.path.join(tmp, "y.npy")
    ok, _, err = run([args.cli, "forward", model, "--input-tensor", xp, "--output-tensor", yp])
    if ok:
        verdict("forward vs torch (float64)", compare(yp, y.detach().numpy(), 1e-5, "torch"))
        node = shutil.which("node")
        if node and os.path.isdir(os.path.join(args.ort_dir, "node_modules", "onnxruntime-node")):
            ortp = os.path.join(tmp, "ort.npy")
            ok, _, err = run([node, os.path.join(args.ort_dir, "run.js"), model, xp, ortp])
            if ok:
                verdict("forward vs onnxruntime", compare(yp, ortp, 1e-5, "onnxruntime"))
            else:
                report("forward vs onnxruntime", False, "onnxruntime failed: " + err)
        else:
            print("onnxruntime-node not available: checked against torch only")
    else:
        report("forward", False, "onnx-lrp failed: " + err)

    for label, preset, extra, ref in (("gradient vs torch autograd", "gradient", [], grad.numpy()),
                                      ("z⁺ relevance vs torch", "epsilon-plus", ["--zero-bias"],
                                       zplus_reference())):
        rp = os.path.join(tmp, "r.npy")
        ok, _, err = run([args.cli, "explain", model, "--input-tensor", xp, "--preset", preset,
                          "--target", str(TARGET), "--relevance-out", rp] + extra)
        if ok:
            verdict(label, compare(rp, ref, 1e-5, "torch"))
        else:
            report(label, False, "onnx-lrp failed: " + err)

    # opset 10: pads and value as attributes
    old = os.path.join(tmp, "pad10.onnx")
    save(old, [helper.make_node("Pad", ["x"], ["p"], name="pad", pads=[0, 0, 2, 1, 0, 0, 0, 3], value=0.5),
               helper.make_node("Flatten", ["p"], ["y"], name="flatten")], [1, C, HW, HW], [], opset=10)
    ok, _, err = run([args.cli, "forward", old, "--input-tensor", xp, "--output-tensor", yp])
    want = F.pad(torch.tensor(x), (1, 3, 2, 0), value=0.5).flatten(1).numpy()
    if ok:
        verdict("Pad (opset 10 attributes, value 0.5) vs torch", compare(yp, want, 1e-6, "torch"))
    else:
        report("Pad (opset 10 attributes, value 0.5) vs torch", False, "onnx-lrp failed: " + err)

    refusals = (
        ("Pad mode reflect", "pad", [helper.make_node("Pad", ["x", "pads"], ["p"], name="pad", mode="reflect")],
         [ints("pads", [0, 0, 1, 1, 0, 0, 1, 1])], "reflect"),
        ("Slice of the batch axis", "slice", [helper.make_node("Slice", ["x", "st", "en", "ax"], ["p"], name="slice")],
         [ints("st", [1]), ints("en", [2]), ints("ax", [0])], "batch axis"),
        ("Transpose of the batch axis", "transpose",
         [helper.make_node("Transpose", ["x"], ["p"], name="transpose", perm=[1, 0, 2, 3])], [], "batch axis"),
        ("Pad of 2^50", "pad", [helper.make_node("Pad", ["x", "pads"], ["p"], name="pad")],
         [ints("pads", [0, 0, 2 ** 50, 0, 0, 0, 0, 0])], "2^40"),
        ("Slice with step -2^63", "slice",
         [helper.make_node("Slice", ["x", "st", "en", "ax", "sp"], ["p"], name="slice")],
         [ints("st", [0]), ints("en", [4]), ints("ax", [2]), ints("sp", [-2 ** 63])], "step"),
        ("Expand to a negative dim", "expand", [helper.make_node("Expand", ["x", "shape"], ["p"], name="expand")],
         [ints("shape", [2, 3, -4, 8])], "negative"),
        ("ConstantOfShape of 2^62 elements", "constantofshape",
         [helper.make_node("ConstantOfShape", ["shape"], ["z"], name="constantofshape"),
          helper.make_node("Expand", ["x", "z"], ["p"], name="expand")],
         [ints("shape", [2 ** 31, 2 ** 31])], "2^40"))
    for label, name, first, inits, phrase in refusals:
        bad = os.path.join(tmp, name + "_bad.onnx")
        save(bad, first + [helper.make_node("Flatten", ["p"], ["y"], name="flatten")], [2, C, HW, HW], inits)
        code, out, err = run_status([args.cli, "inspect", bad])
        lines = err.strip().splitlines()
        ok = code == 2 and len(lines) == 1 and ("'%s'" % name) in lines[0] and phrase in lines[0]
        report(label + ": refused", ok, "exit %s: %s" % (code, err.strip()))
finish(passed, failed)
