#!/usr/bin/python3
# Golden relevance: onnx-lrp `explain` input relevance vs zennit 0.5.1 (model.onnx, five presets)
# and the paper authors' code (model-bn.onnx, otsuki2024, four splits): relative L2 <= 1e-4.
import argparse
import json
import os
import sys
import tempfile

from parity_common import finish, run, skip

try:
    import numpy as np
except ImportError:
    skip("numpy is not available")

ZENNIT = {  # zennit/<name>.npy -> onnx-lrp options, on model.onnx
    "epsilon-plus-flat": ["--preset", "epsilon-plus-flat"],
    "epsilon-plus": ["--preset", "epsilon-plus"],
    "epsilon-alpha2-beta1": ["--preset", "epsilon-alpha2-beta1"],
    "epsilon-gamma-box": ["--preset", "epsilon-gamma-box"],  # default zbox bounds = ImageNet's
    "epsilon-plus-flat-nobias": ["--preset", "epsilon-plus-flat", "--zero-bias"],
}
REFERENCE = {  # reference/<authors' variant>.npy -> onnx-lrp --split, on model-bn.onnx
    "flows_skip": "ratio",
    "latest": "ratio-projection-only",
    "flows_skip_simple": "symmetric",
    "simple": "symmetric-projection-only",
}

ap = argparse.ArgumentParser(description="onnx-lrp explain vs golden relevance maps")
ap.add_argument("--cli", required=True, help="path to the onnx-lrp executable")
ap.add_argument("--golden", required=True, help="tests/golden (one folder per case)")
ap.add_argument("--only", default="", help="run only maps whose 'case/folder/map' contains this")
ap.add_argument("--tol", type=float, default=1e-4, help="bound on the relative L2 error")
args = ap.parse_args()


def jobs(meta):
    """(map path in the case folder, model, CLI options, golden sum) for one case."""
    for name, opts in ZENNIT.items():
        yield ("zennit/%s.npy" % name, "model.onnx", opts + ["--target", str(meta["target"])],
               meta["zennit"][name]["sum"])
    for name, split in REFERENCE.items():
        yield ("reference/%s.npy" % name, "model-bn.onnx", ["--preset", "otsuki2024", "--split", split],
               meta["reference"][name]["sum"])


def verdict(ours_path, ref_path, want_sum):
    try:
        ours = np.load(ours_path).astype(np.float64)
        ref = np.load(ref_path).astype(np.float64)
    except (OSError, ValueError) as e:
        return "FAIL (unreadable .npy: %s)" % e
    if ref.ndim == 2:  # the authors' maps: channel sum of one image
        if ours.ndim != 4 or ours.shape[0] != 1:
            return "FAIL (shape %s, expected (1,C,%d,%d))" % ((ours.shape,) + ref.shape)
        ours = ours[0].sum(axis=0)
    if ours.shape != ref.shape:
        return "FAIL (shape %s, golden %s)" % (ours.shape, ref.shape)
    rel = float(np.linalg.norm(ours - ref) / np.linalg.norm(ref))
    return "rel_l2 %.3e  sum %.6f (golden %.6f)  %s" % (
        rel, ours.sum(), want_sum, "PASS" if rel <= args.tol else "FAIL")  # NaN fails


cases = sorted(c for c in os.listdir(args.golden) if os.path.isfile(os.path.join(args.golden, c, "case.json")))
if not cases:
    sys.exit("error: no case folder with case.json in " + args.golden)
passed = failed = 0
with tempfile.TemporaryDirectory(prefix="onnx-lrp-relevance-") as tmp:
    for case in cases:
        d = os.path.join(args.golden, case)
        with open(os.path.join(d, "case.json")) as f:
            meta = json.load(f)
        for ref, model, opts, want_sum in jobs(meta):
            label = "%s/%s" % (case, ref[:-4])
            if args.only not in label:
                continue
            out = os.path.join(tmp, label.replace("/", "_") + ".npy")
            ok, _, err = run([args.cli, "explain", os.path.join(d, model), "--input-tensor",
                              os.path.join(d, "input.npy"), "--relevance-out", out] + opts)
            v = verdict(out, os.path.join(d, ref), want_sum) if ok else "FAIL (onnx-lrp explain %s)" % err
            print("%-16s %-34s %s" % (case, ref[:-4], v))
            passed += v.endswith("PASS")
            failed += not v.endswith("PASS")
if passed + failed == 0:
    sys.exit("error: --only %r matched no map" % args.only)
finish(passed, failed)
