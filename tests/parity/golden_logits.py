#!/usr/bin/python3
# Golden logits: for every case folder (model.onnx, model-bn.onnx, input.npy, logits.npy),
# onnx-lrp's `forward` on both models must give logits within 1e-4 * max|logit|.
import argparse
import os
import tempfile

from parity_common import compare, finish, run, skip

try:
    import numpy  # noqa: F401  (used by compare)
except ImportError:
    skip("numpy is not available")

ap = argparse.ArgumentParser(description="onnx-lrp forward vs stored golden logits")
ap.add_argument("--cli", required=True, help="path to the onnx-lrp executable")
ap.add_argument("--golden", required=True, help="tests/golden (one folder per case)")
ap.add_argument("--rtol", type=float, default=1e-4)
args = ap.parse_args()

cases = sorted(c for c in os.listdir(args.golden) if os.path.isfile(os.path.join(args.golden, c, "logits.npy")))
if not cases:
    raise SystemExit("error: no case folder with logits.npy in " + args.golden)
passed = failed = 0
with tempfile.TemporaryDirectory(prefix="onnx-lrp-golden-") as tmp:
    for case in cases:
        d = os.path.join(args.golden, case)
        for model in ("model.onnx", "model-bn.onnx"):
            out = os.path.join(tmp, "%s-%s.npy" % (case, model))
            ok, _, err = run([args.cli, "forward", os.path.join(d, model),
                              "--input-tensor", os.path.join(d, "input.npy"), "--output-tensor", out])
            verdict = compare(out, os.path.join(d, "logits.npy"), args.rtol, "golden") if ok \
                else "FAIL (onnx-lrp forward %s)" % err
            print("%-32s %s" % (case + "/" + model, verdict))
            passed += verdict.endswith("PASS")
            failed += not verdict.endswith("PASS")
finish(passed, failed)
