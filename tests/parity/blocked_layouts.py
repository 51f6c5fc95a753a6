#!/usr/bin/python3
# Activations stay in oneDNN's blocked layout between convolutions (issue 13: the reorders
# between (N,C,H,W) and nChw16c were a fifth of the convs' time). Model: stem Conv 3->64 + Relu
# (v0), Conv 64->64 + Relu (v1), Conv 64->64 + Add(v0) + Relu (v2), GlobalAveragePool, Gemm.
# v0 and v1 are read by convs only (as X, or as the residual operand fused into the last conv),
# so `forward` on oneDNN (DNNL_VERBOSE=2 logs each primitive it runs) may reorder activations
# only where v2 leaves for the pooling: every activation reorder goes from blocked to (N,C,H,W),
# one per task of the last conv. On the direct kernel (batch 2) that conv reads v0 where it is
# by a binary post-op (not copying it into y first for a sum post-op); on Winograd (batch 9:
# a round of 8 images gives each image one task) it copies v0 into y for a sum post-op, the
# only one oneDNN's Winograd kernel takes. The logits match a float64
# numpy forward pass and OpenBLAS's. Batch 2 and 9 (oneDNN runs up to 8 images per round).
# The gradient methods keep v0, v1 and v2 for their Relus, which read y's sign in any layout:
# `explain --preset gradient` and `guided-backprop` reorder no activation into the blocked
# layout either, and their input gradients match a float64 numpy backward pass.
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
skip_without_dnnl(args.cli)

C_IN, C, HW, CLASSES = 3, 64, 16, 10
ACTIVATION_TAGS = ("aBcd16b", "aBcd8b")  # nChw16c, nChw8c
verdicts = Verdicts()
report = verdicts.report
rng = np.random.default_rng(13)
chain = Chain(rng, C_IN, C, HW, CLASSES, body_scale=0.05)
reference = chain.reference


work = tempfile.mkdtemp(prefix="blocked-layouts-")
model = os.path.join(work, "chain.onnx")
chain.save(model, "blocked_chain")


def forward(backend, verbose, xin):
    """Logits and oneDNN's log (verbose) of `forward` on backend."""
    y = os.path.join(work, "y-%s.npy" % backend)
    return run_logged(args.cli, ["--backend", backend, "forward", model, "--input-tensor", xin,
                                 "--output-tensor", y, "--threads", "2"], y,
                      "2" if verbose else None)


def explain(preset, xin):
    """Input relevance and oneDNN's log of `explain --preset` on oneDNN."""
    r = os.path.join(work, "r-%s.npy" % preset)
    return run_logged(args.cli, ["--backend", "dnnl", "explain", model, "--input-tensor", xin,
                                 "--preset", preset, "--relevance-out", r, "--threads", "2"],
                      r, "2")


def tags(fields):
    """The src and dst layout tags of one verbose line ('abcd', 'aBcd16b', ...)."""
    mds = [f for f in fields if f.startswith(("src_", "dst_"))]
    mds = mds[0].split() if mds else []
    return [m.split(":")[3] if len(m.split(":")) > 3 else "" for m in mds]


for n in (2, 9):
    x = rng.standard_normal((n, C_IN, HW, HW)).astype(np.float32)
    xin = os.path.join(work, "x%d.npy" % n)
    np.save(xin, x)
    ref = reference(x)
    y, log, problem = forward("dnnl", True, xin)
    if problem:
        report("batch %d: forward on oneDNN" % n, problem)
        continue
    reorders = [tags(f) for f in log if f[3] == "reorder"]
    activation = [t for t in reorders if any(tag in ACTIVATION_TAGS for tag in t)]
    to_blocked = [t for t in activation if len(t) == 2 and t[1] in ACTIVATION_TAGS]
    last_conv = [f for f in log if f[3] == "convolution" and
                 ("sum" in ",".join(f) or "binary_add" in ",".join(f))]
    report("batch %d: no activation reorder into the blocked layout (v0, v1 stay)" % n,
           "%d of %d activation reorders go into it" % (len(to_blocked), len(activation))
           if to_blocked or not activation else None)
    kernel, post_op = ("wino", "sum") if n >= 4 else ("jit:", "binary_add")
    report("batch %d: the last conv runs on %s and adds v0 by a %s post-op" %
           (n, "Winograd" if n >= 4 else "the direct kernel", post_op.split("_")[0]),
           None if last_conv and all(kernel in f[4] and post_op in ",".join(f)
                                     for f in last_conv) else
           "kernels and post-ops: %s" % sorted(set((f[4], f[7]) for f in last_conv)))
    report("batch %d: one reorder out per task of the last conv (%d), none elsewhere" %
           (n, len(last_conv)),
           None if len(activation) == len(last_conv) and last_conv else
           "%d activation reorders" % len(activation))
    err = np.abs(y - ref).max() / np.abs(ref).max()
    report("batch %d: oneDNN's logits against numpy float64: %.1e (limit 1e-5)" % (n, err),
           None if err < 1e-5 else "they differ")
    for preset, guided in (("gradient", False), ("guided-backprop", True)):
        r, log, problem = explain(preset, xin)
        if problem:
            report("batch %d: explain --preset %s on oneDNN" % (n, preset), problem)
            continue
        # the forward pass's: before its last conv (the reverse pass reorders R into it)
        end = max(i for i, f in enumerate(log) if f[3] == "convolution" and
                  "forward" in ",".join(f))
        into = [t for t in (tags(f) for f in log[:end] if f[3] == "reorder")
                if len(t) == 2 and t[1] in ACTIVATION_TAGS]
        report("batch %d: %s: its forward reorders no activation into the blocked layout" %
               (n, preset), "%d go into it" % len(into) if into else None)
        ref_g = reference(x, guided)
        err = np.abs(r - ref_g).max() / np.abs(ref_g).max()
        report("batch %d: %s: input gradient against numpy float64: %.1e (limit 1e-5)" %
               (n, preset, err), None if err < 1e-5 else "they differ")
    yb, _, problem = forward("openblas", False, xin)
    if problem:
        report("batch %d: forward on OpenBLAS" % n, problem)
        continue
    err = np.abs(y - yb).max() / np.abs(yb).max()
    report("batch %d: oneDNN's logits against OpenBLAS's: %.1e (limit 1e-5)" % (n, err),
           None if err < 1e-5 else "they differ")
verdicts.finish()
