#!/usr/bin/python3
# Usage errors of --shard (explain, evaluate), merge and status (issue 18): exit 2, the first
# stderr line names the option, value or file, and nothing is written.
import argparse
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "parity"))
from parity_common import finish  # noqa: E402

ap = argparse.ArgumentParser(description="usage errors of --shard, merge and status")
ap.add_argument("--cli", required=True, help="path to the onnx-lrp executable")
ap.add_argument("--samples", required=True, help="samples/ (the sample model and images)")
ap.add_argument("--golden", required=True, help="tests/golden (tiny-basic input)")
args = ap.parse_args()
cli = os.path.abspath(args.cli)
model = os.path.join(args.samples, "fashion-resnet-bn.onnx")
image = os.path.join(args.samples, "images", "00-tshirt-0.png")
tensor = os.path.join(args.golden, "tiny-basic", "input.npy")
tmp = tempfile.mkdtemp(prefix="shard-usage-")
out = os.path.join(tmp, "out")
passed = failed = 0
no_slurm = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}


def refused(label, argv, fragments, env=None):
    global passed, failed
    p = subprocess.run([cli] + argv, capture_output=True, text=True, timeout=120,
                       env=dict(no_slurm, **(env or {})))
    line = (p.stderr.strip().splitlines() or ["(no stderr)"])[0]
    gone = [f for f in fragments if f not in line]
    ok = p.returncode == 2 and not gone and not os.path.exists(out)
    print("%-60s %s%s" % (label, "PASS" if ok else "FAIL",
                          "" if ok else "  (exit %d, missing %s: %s)" % (p.returncode, gone, line)))
    passed += ok
    failed += not ok


for cmd in ("explain", "evaluate"):
    for bad in ("4/4", "1", "-1/2", "x/2", "1/0", "", "1/2/3", "0/100001"):
        refused("%s --shard '%s'" % (cmd, bad), [cmd, model, image, "--shard", bad, "-o", out],
                ["--shard", "'%s'" % bad])
    refused("%s --shard auto outside a job array" % cmd,
            [cmd, model, image, "--shard", "auto", "-o", out],
            ["--shard auto", "SLURM_ARRAY_TASK_ID"])
    refused("%s --shard auto, task beyond the count" % cmd,
            [cmd, model, image, "--shard", "auto", "-o", out], ["task 5", "0..3"],
            env={"SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_COUNT": "4"})
refused("explain --shard with --input-tensor", ["explain", model, "--input-tensor", tensor,
                                                "--shard", "0/2"], ["--shard", "--input-tensor"])
refused("merge without shards", ["merge", out], ["SHARD_DIR"])
refused("merge of a folder without a status file", ["merge", out, tmp],
        [os.path.join(tmp, "status")])
bogus = os.path.join(tmp, "bogus")
os.makedirs(bogus)
with open(os.path.join(bogus, "status"), "w") as f:
    f.write("onnx-lrp status 1\nshard 3/2\n")
refused("merge of a bad status file", ["merge", out, bogus],
        [os.path.join(bogus, "status"), "line 2", "shard"])
refused("merge with an unknown option", ["merge", "--shards", out, tmp], ["'--shards'"])
refused("status of a folder without a status file", ["status", tmp],
        [os.path.join(tmp, "status")])
finish(passed, failed)
