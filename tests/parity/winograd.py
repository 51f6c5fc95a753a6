#!/usr/bin/python3
# oneDNN's Winograd kernel runs the f32 3x3 stride-1 convs of 128 or more input channels at
# 14x14 or more, and every such conv of a batch that gives each image one task (issue 13;
# ops/conv_dnnl.c, wants_winograd), a residual Add fused into it too (as a sum post-op); its
# numbers are the direct kernel's to float32 precision.
# Model (conv_chain.py): stem Conv 3->128 + Relu (v0), Conv 128->128 + Relu, Conv 128->128 +
# Add(v0) + Relu, GlobalAveragePool, Gemm; 16x16 input, batch 2. On oneDNN (ONEDNN_VERBOSE=1
# logs each primitive) the two body convs run on a "wino" kernel, forward and as the z+ convs
# of an explanation; the logits match a float64 numpy forward pass, the epsilon-plus-flat
# relevance matches OpenBLAS's (direct im2col + sgemm), and --threads 1 and 2 write the same
# relevance bytes. The same chain with 64 channels runs its body convs direct at batch 1 (two
# tasks per image) and on Winograd at batch 8 (one), its logits against numpy there.
import argparse
import os
import tempfile

from parity_common import Verdicts, skip, skip_without_dnnl

try:
    import numpy as np
    from conv_chain import Chain, run_logged
except ImportError as e:
    skip("%s is not available" % e.name)

ap = argparse.ArgumentParser(description=__doc__)
ap.add_argument("--cli", required=True)
args = ap.parse_args()
dnnl_line = skip_without_dnnl(args.cli)
if "avx512" not in dnnl_line:
    skip("oneDNN's Winograd kernels need AVX-512 (%s)" % dnnl_line)

C_IN, C, HW, CLASSES, N = 3, 128, 16, 10, 2
verdicts = Verdicts()
report = verdicts.report
rng = np.random.default_rng(17)
chain = Chain(rng, C_IN, C, HW, CLASSES, body_scale=0.03)


def run(cmd, out):
    """(the .npy cmd wrote to out, the convolutions oneDNN logged, problem)."""
    y, log, problem = run_logged(args.cli, cmd, out)
    return y, log and [f for f in log if f[3] == "convolution"], problem


def wino_shapes(convs):
    """The (ic, oc of the task) of every conv oneDNN ran on a Winograd kernel."""
    return [f[-2].split("_")[1] for f in convs if "wino" in f[4]]


work = tempfile.mkdtemp(prefix="winograd-")
model = os.path.join(work, "chain.onnx")
chain.save(model, "winograd_chain")
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
    direct = [f for f in convs if "wino" not in f[4] and f[-2].split("_")[1].startswith("ic128")]
    report("forward: both body convs run on Winograd (the one with the Add too), the stem (3 "
           "channels) does not",
           None if wino and all(s.startswith("ic128") for s in wino) and not direct else
           "Winograd ran %s, %d body tasks ran direct" % (sorted(set(wino)) or "nothing",
                                                         len(direct)))
    ref = chain.reference(x)
    err = np.abs(y - ref).max() / np.abs(ref).max()
    report("forward: logits against numpy float64: %.1e (limit 1e-5)" % err,
           None if err < 1e-5 else "they differ")

narrow = Chain(np.random.default_rng(19), C_IN, 64, HW, CLASSES, body_scale=0.05)
narrow_model = os.path.join(work, "narrow.onnx")
narrow.save(narrow_model, "winograd_narrow")
for n, wanted in ((1, False), (8, True)):
    xn = rng.standard_normal((n, C_IN, HW, HW)).astype(np.float32)
    xn_in, yn_out = os.path.join(work, "xn%d.npy" % n), os.path.join(work, "yn%d.npy" % n)
    np.save(xn_in, xn)
    yn, convs, problem = run(["--backend", "dnnl", "forward", narrow_model, "--input-tensor",
                              xn_in, "--output-tensor", yn_out, "--threads", "2"], yn_out)
    if problem:
        report("64 channels, batch %d: forward on oneDNN" % n, problem)
        continue
    wino = wino_shapes(convs)
    report("64 channels, batch %d: the body convs run %s" % (n, "on Winograd" if wanted else
                                                             "direct"),
           None if bool(wino) == wanted else "Winograd ran %s" % (sorted(set(wino)) or "nothing"))
    if wanted:
        ref = narrow.reference(xn)
        err = np.abs(yn - ref).max() / np.abs(ref).max()
        report("64 channels, batch %d: logits against numpy float64: %.1e (limit 1e-5)" %
               (n, err), None if err < 1e-5 else "they differ")

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
verdicts.finish()
