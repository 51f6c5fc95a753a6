#!/usr/bin/python3
# Large models: exports torchvision resnet18/resnet50/resnext50_32x4d into --workdir (once; reruns
# reuse them), then runs forward_parity.py and inspect_structure.py on those tv-* fixtures only.
import argparse
import json
import os
import re
import subprocess
import sys
import time

from parity_common import SKIP, finish, skip

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, "..", "fixtures", "gen_fixtures.py")
LARGE = ("tv-resnet18", "tv-resnet50", "tv-resnext50_32x4d")

ap = argparse.ArgumentParser(description="forward parity and residual structure on torchvision ResNets")
ap.add_argument("--cli", required=True, help="path to the onnx-lrp executable")
ap.add_argument("--ort-dir", required=True, help="tests/ort (run.js + node_modules)")
ap.add_argument("--workdir", required=True, help="where the large fixtures are generated and kept")
args = ap.parse_args()

for mod in ("numpy", "onnx", "torch", "torchvision"):
    try:
        __import__(mod)
    except ImportError:
        skip("python module %s is not available" % mod)


def have_large(d):
    try:
        with open(os.path.join(d, "manifest.json")) as f:
            entries = {e["name"]: e for e in json.load(f)["fixtures"] if e.get("large")}
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return all(n in entries and os.path.isfile(os.path.join(d, entries[n]["file"]))
               and os.path.isfile(os.path.join(d, entries[n]["input"])) for n in LARGE)


workdir = os.path.abspath(args.workdir)
if have_large(workdir):
    print("fixtures: reusing %s" % workdir)
else:
    t0 = time.monotonic()
    p = subprocess.run([sys.executable, GEN, workdir, "--large"], capture_output=True, text=True)
    if p.returncode != 0 or not have_large(workdir):
        tail = (p.stderr.strip().splitlines() or ["(no stderr)"])[-1]
        print("gen_fixtures.py --large     FAIL (exit %d: %s)" % (p.returncode, tail))
        finish(0, 1)
    print("fixtures: generated in %s (%.0f s)" % (workdir, time.monotonic() - t0))

# load_fixtures() takes every entry of --fixtures and only the large ones of --large-dir:
# an empty manifest as --fixtures restricts the run to the tv-* models.
none_dir = os.path.join(workdir, "no-small-fixtures")
os.makedirs(none_dir, exist_ok=True)
with open(os.path.join(none_dir, "manifest.json"), "w") as f:
    f.write('{"fixtures": []}\n')

CHECKS = [
    ("forward", "forward_parity.py", ["--ort-dir", args.ort_dir]),
    ("inspect", "inspect_structure.py", []),
]
passed = failed = skipped = 0
for label, script, extra in CHECKS:
    t0 = time.monotonic()
    cmd = [sys.executable, os.path.join(HERE, script), "--cli", args.cli,
           "--fixtures", none_dir, "--large-dir", workdir] + extra
    p = subprocess.run(cmd, capture_output=True, text=True)
    lines = p.stdout.strip().splitlines()
    if p.returncode == SKIP:
        print("%-30s SKIP (%s)" % (script, lines[-1] if lines else "skipped"))
        skipped += 1
        continue
    summary = re.fullmatch(r"(\d+) passed, (\d+) failed", lines[-1]) if lines else None
    for line in lines[:-1] if summary else lines:
        print("%s %s" % (label, line))
    if summary is None or p.returncode not in (0, 1):
        tail = (p.stderr.strip().splitlines() or ["(no stderr)"])[-1]
        print("%-30s FAIL (exit %d: %s)" % (script, p.returncode, tail))
        failed += 1
        continue
    passed += int(summary.group(1))
    failed += int(summary.group(2))
    print("%-30s %s in %.0f s" % (script, lines[-1], time.monotonic() - t0))
if skipped == len(CHECKS):
    sys.exit(SKIP)
finish(passed, failed)
