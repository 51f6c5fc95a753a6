#!/usr/bin/python3
# oneDNN's Winograd kernel runs the f32 3x3 stride-1 convs of 128 or more input channels at
# 14x14 or more (issue 13; ops/conv_dnnl.c, wants_winograd), and its numbers are the direct
# kernel's to float32 precision. Model: stem Conv 3->128 + Relu (v0), Conv 128->128 + Relu,
# Conv 128->128 + Add(v0) + Relu, GlobalAveragePool, Gemm; 16x16 input, batch 2. On oneDNN
# (ONEDNN_VERBOSE=1 logs each primitive) the two body convs run on a "wino" kernel, forward
# and as the z+ convs of an explanation; the logits match a float64 numpy forward pass, the
# epsilon-plus-flat relevance matches OpenBLAS's (direct im2col + sgemm), and --threads 1
# and 2 write the same relevance bytes.
import argparse
import os
import subprocess
import tempfile

from parity_common import finish, skip

try:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
except ImportError as e:
    skip("%s is not available" % e.name)

ap = argparse.ArgumentParser(description=__doc__)
ap.add_argument("--cli", required=True)
args = ap.parse_args()
version = subprocess.run([args.cli, "--version"], capture_output=True, text=True).stdout
if "dnnl" not in version.split("backends:")[-1].splitlines()[0].split("(")[0]:
    skip("this onnx-lrp has no oneDNN")
dnnl_line = [l for l in version.splitlines() if l.startswith("dnnl:")]
if not dnnl_line or "avx512" not in dnnl_line[0]:
    skip("oneDNN's Winograd kernels need AVX-512 (%s)" % (dnnl_line or ["no dnnl line"])[0])

C_IN, C, HW, CLASSES, N = 3, 128, 16, 10, 2
passed = failed = 0


def report(label, problem):
    global passed, failed
    print("%-76s %s" % (label, "FAIL (%s)" % problem if problem else "PASS"))
    passed += not problem
    failed += bool(problem)


rng = np.random.default_rng(17)
w = {"W0": rng.standard_normal((C, C_IN, 3, 3)) * 0.3, "B0": rng.standard_normal(C) * 0.1,
     "W1": rng.standard_normal((C, C, 3, 3)) * 0.03, "B1": rng.standard_normal(C) * 0.1,
     "W2": rng.standard_normal((C, C, 3, 3)) * 0.03, "B2": rng.standard_normal(C) * 0.1,
     "Wf": rng.standard_normal((CLASSES, C)), "Bf": rng.standard_normal(CLASSES) * 0.1}
w = {k: v.astype(np.float32) for k, v in w.items()}


def save_model(path):
    conv = dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    nodes = [helper.make_node("Conv", ["x", "W0", "B0"], ["c0"], name="stem", **conv),
             helper.make_node("Relu", ["c0"], ["v0"], name="relu0"),
             helper.make_node("Conv", ["v0", "W1", "B1"], ["c1"], name="conv1", **conv),
             helper.make_node("Relu", ["c1"], ["v1"], name="relu1"),
             helper.make_node("Conv", ["v1", "W2", "B2"], ["c2"], name="conv2", **conv),
             helper.make_node("Add", ["c2", "v0"], ["s"], name="add"),
             helper.make_node("Relu", ["s"], ["v2"], name="relu2"),
             helper.make_node("GlobalAveragePool", ["v2"], ["g"], name="gap"),
             helper.make_node("Flatten", ["g"], ["f"], name="flatten"),
             helper.make_node("Gemm", ["f", "Wf", "Bf"], ["y"], name="fc", transB=1)]
    graph = helper.make_graph(
        nodes, "winograd_chain",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", C_IN, HW, HW])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", CLASSES])],
        [numpy_helper.from_array(v, k) for k, v in w.items()])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)


def conv3x3(a, weight, bias):
    """float64 'same' 3x3 convolution, (N,C,H,W) -> (N,M,H,W)."""
    p = np.pad(a, ((0, 0), (0, 0), (1, 1), (1, 1)))
    out = np.zeros((a.shape[0], weight.shape[0]) + a.shape[2:])
    for i in range(3):
        for j in range(3):
            out += np.einsum("nchw,mc->nmhw", p[:, :, i:i + HW, j:j + HW], weight[:, :, i, j])
    return out + bias[None, :, None, None]


def reference(x):
    d = {k: v.astype(np.float64) for k, v in w.items()}
    relu = lambda t: np.maximum(t, 0.0)
    v0 = relu(conv3x3(x.astype(np.float64), d["W0"], d["B0"]))
    v1 = relu(conv3x3(v0, d["W1"], d["B1"]))
    v2 = relu(conv3x3(v1, d["W2"], d["B2"]) + v0)
    return v2.mean(axis=(2, 3)) @ d["Wf"].T + d["Bf"]


def run(cmd, out):
    """(the .npy cmd wrote to out, the convolutions oneDNN logged, problem)."""
    env = dict(os.environ, ONEDNN_VERBOSE="1", DNNL_VERBOSE="1")
    p = subprocess.run([args.cli] + cmd, capture_output=True, text=True, env=env, timeout=120)
    if p.returncode != 0:
        return None, None, "exit %d: %s" % (p.returncode, p.stderr.strip())
    convs = [l.split(",") for l in p.stdout.splitlines()
             if l.startswith(("onednn_verbose,exec,cpu,convolution,",
                              "dnnl_verbose,exec,cpu,convolution,"))]
    return np.load(out).astype(np.float64), convs, None


def wino_shapes(convs):
    """The (ic, oc of the task) of every conv oneDNN ran on a Winograd kernel."""
    return [f[-2].split("_")[1] for f in convs if "wino" in f[4]]


work = tempfile.mkdtemp(prefix="winograd-")
model = os.path.join(work, "chain.onnx")
save_model(model)
x = rng.standard_normal((N, C_IN, HW, HW)).astype(np.float32)
xin = os.path.join(work, "x.npy")
np.save(xin, x)

y, convs, problem = run(["--backend", "dnnl", "forward", model, "--input-tensor", xin,
                         "--output-tensor", os.path.join(work, "y.npy"), "--threads", "2"],
                        os.path.join(work, "y.npy"))
if problem:
    report("forward on oneDNN", problem)
else:
    wino = wino_shapes(convs)
    report("forward: the body convs run on Winograd, the stem (3 channels) does not",
           None if wino and all(s.startswith("ic128") for s in wino) else
           "Winograd ran %s" % (sorted(set(wino)) or "nothing"))
    ref = reference(x)
    err = np.abs(y - ref).max() / np.abs(ref).max()
    report("forward: logits against numpy float64: %.1e (limit 1e-5)" % err,
           None if err < 1e-5 else "they differ")

rel = {}
for backend, threads in (("dnnl", "2"), ("dnnl", "1"), ("openblas", "2")):
    out = os.path.join(work, "r-%s-%s.npy" % (backend, threads))
    r, convs, problem = run(["--backend", backend, "explain", model, "--input-tensor", xin,
                             "--preset", "epsilon-plus-flat", "--relevance-out", out,
                             "--threads", threads], out)
    if problem:
        report("explain on %s, %s threads" % (backend, threads), problem)
        continue
    rel[(backend, threads)] = out
    if backend == "dnnl" and threads == "2":
        # forward (2 convs) and z+ (2 convs), each cut into tasks
        wino = wino_shapes(convs)
        report("explain: Winograd runs the body convs' z and z+ (%d tasks)" % len(wino),
               None if len(wino) >= 4 else "only %d" % len(wino))
if ("dnnl", "2") in rel and ("openblas", "2") in rel:
    a, b = np.load(rel[("dnnl", "2")]).astype(np.float64), np.load(rel[("openblas", "2")])
    err = np.linalg.norm(a - b) / np.linalg.norm(b)
    report("explain: oneDNN's relevance against OpenBLAS's: %.1e (relative L2, limit 1e-5)" %
           err, None if err < 1e-5 else "they differ")
if ("dnnl", "2") in rel and ("dnnl", "1") in rel:
    same = open(rel[("dnnl", "2")], "rb").read() == open(rel[("dnnl", "1")], "rb").read()
    report("explain: --threads 1 and 2 write the same relevance bytes",
           None if same else "they differ")
finish(passed, failed)
