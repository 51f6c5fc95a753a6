#!/usr/bin/python3
# Forward parity: onnx-lrp's `forward` output must match onnxruntime's (tests/ort/run.js)
# within 1e-4 * max|ref| on every fixture of the manifest(s).
import argparse
import os
import shutil
import tempfile

from parity_common import compare, finish, load_fixtures, run, skip

try:
    import numpy  # noqa: F401  (used by compare)
except ImportError:
    skip("numpy is not available")

ap = argparse.ArgumentParser(description="onnx-lrp forward vs onnxruntime")
ap.add_argument("--cli", required=True, help="path to the onnx-lrp executable")
ap.add_argument("--ort-dir", required=True, help="tests/ort (run.js + node_modules)")
ap.add_argument("--fixtures", required=True, help="directory with manifest.json")
ap.add_argument("--large-dir", help="directory generated with gen_fixtures.py --large")
ap.add_argument("--rtol", type=float, default=1e-4)
args = ap.parse_args()

node = shutil.which("node")
if node is None:
    skip("node is not installed")
if not os.path.isdir(os.path.join(args.ort_dir, "node_modules", "onnxruntime-node")):
    skip("onnxruntime-node missing: npm install --ignore-scripts --prefix " + args.ort_dir)
run_js = os.path.join(args.ort_dir, "run.js")
if not os.path.isfile(run_js):
    raise SystemExit("error: %s not found" % run_js)

passed = failed = 0
with tempfile.TemporaryDirectory(prefix="onnx-lrp-parity-") as tmp:
    for d, fx in load_fixtures(args.fixtures, args.large_dir):
        model, x = os.path.join(d, fx["file"]), os.path.join(d, fx["input"])
        ours, ref = os.path.join(tmp, fx["name"] + ".ours.npy"), os.path.join(tmp, fx["name"] + ".ref.npy")
        ok, _, err = run([args.cli, "forward", model, "--input-tensor", x, "--output-tensor", ours])
        if not ok:
            verdict = "FAIL (onnx-lrp forward %s)" % err
        else:
            ok, _, err = run([node, run_js, model, x, ref])
            verdict = compare(ours, ref, args.rtol, "onnxruntime") if ok else "FAIL (onnxruntime %s)" % err
        print("%-22s %s" % (fx["name"], verdict))
        passed += verdict.endswith("PASS")
        failed += not verdict.endswith("PASS")
finish(passed, failed)
