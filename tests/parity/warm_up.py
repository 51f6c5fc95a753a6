#!/usr/bin/python3
# oneDNN's primitives and packed weights are made before the first timed pass (issue 13: a
# fresh process's first explanation within 1.3x of a warm one): with DNNL_VERBOSE=2, oneDNN logs
# every primitive it creates and every one it runs, in order, on stdout; in `forward`, `explain
# --input-tensor` and `explain IMAGE` no convolution may be created after the first convolution
# has run (before the warm-up, each conv made its primitives on first use, between the others'
# runs), in bf16 (the bf16 primitives) and for the methods of many passes (their batches'). The
# warm-up leaves no trace: the first explanation's relevance has the same bits as the
# one after an untimed run (--repeat 2), and forward's logits agree with --repeat 2's.
import argparse
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    print("SKIP: numpy is not installed")
    sys.exit(77)

ap = argparse.ArgumentParser(description=__doc__)
ap.add_argument("--cli", required=True)
ap.add_argument("--fixtures", required=True, help="tests/fixtures (bottleneck-op13.onnx)")
ap.add_argument("--samples", required=True, help="samples (fashion-resnet.onnx, images/)")
args = ap.parse_args()
model = os.path.join(args.fixtures, "bottleneck-op13.onnx")  # input fixed at (2, 3, 32, 32)
x = os.path.join(args.fixtures, "bottleneck-op13.input.npy")
sample = os.path.join(args.samples, "fashion-resnet.onnx")  # input (?, 3, 64, 64)
image = os.path.join(args.samples, "images", "00-tshirt-0.png")
work = tempfile.mkdtemp(prefix="warm-up-")
passed = failed = 0

version = subprocess.run([args.cli, "--version"], capture_output=True, text=True).stdout
if "dnnl" not in version.split("backends:")[-1].splitlines()[0].split("(")[0]:
    print("SKIP: this onnx-lrp has no oneDNN")
    sys.exit(77)


def check(label, problem):
    global passed, failed
    print("%-72s %s" % (label, "FAIL (%s)" % problem if problem else "PASS"))
    passed += not problem
    failed += bool(problem)


def verbose(argv):
    """(exit code, stderr, [(kind, primitive)]) of one run with oneDNN's log."""
    env = dict(os.environ, DNNL_VERBOSE="2", ONEDNN_VERBOSE="2")
    p = subprocess.run([args.cli, "--backend", "dnnl"] + argv, capture_output=True, text=True,
                       env=env, timeout=300)
    log = [l.split(",") for l in p.stdout.splitlines() if l.startswith(("onednn_verbose,",
                                                                         "dnnl_verbose,"))]
    return p.returncode, p.stderr, [(f[1], f[3]) for f in log if len(f) > 3]


def late_creates(argv):
    code, err, log = verbose(argv)
    if code != 0:
        return "exit %d: %s" % (code, err.strip())
    runs = [i for i, (kind, prim) in enumerate(log) if kind == "exec" and prim == "convolution"]
    made = [i for i, (kind, prim) in enumerate(log)
            if kind.startswith("create") and prim == "convolution"]
    if not runs or not made:
        return "oneDNN logged no convolution (DNNL_VERBOSE unsupported?)"
    late = [i for i in made if i > runs[0]]
    if late:
        return "%d of %d convolution primitives made after the first conv ran" % (len(late),
                                                                                  len(made))
    return None


check("forward: every conv primitive made before the first conv runs",
      late_creates(["forward", model, "--input-tensor", x, "--threads", "2"]))
check("explain --input-tensor: every conv primitive made before the first runs",
      late_creates(["explain", model, "--input-tensor", x, "--threads", "2"]))
check("explain IMAGE (model input (?,3,64,64)): the same, before the first runs",
      late_creates(["explain", sample, image, "-o", os.path.join(work, "img"), "--threads", "2"]))
# the methods of many passes: their batches' workspaces and primitives too
for method in ("integrated-gradients", "score-cam"):
    check("explain IMAGE --preset %s: its batches' primitives made first too" % method,
          late_creates(["explain", sample, image, "--preset", method, "--threads", "2"]))
if "bf16: available" in version:  # the bf16 twin's primitives, not the f32 ones
    check("explain IMAGE --precision bf16: the bf16 primitives made before the first runs",
          late_creates(["explain", sample, image, "--precision", "bf16", "--threads", "2"]))


def outputs(repeat):
    r, y = os.path.join(work, "r%d.npy" % repeat), os.path.join(work, "y%d.npy" % repeat)
    for argv in (["explain", model, "--input-tensor", x, "--relevance-out", r],
                 ["forward", model, "--input-tensor", x, "--output-tensor", y]):
        p = subprocess.run([args.cli, "--backend", "dnnl"] + argv + ["--repeat", str(repeat)],
                           capture_output=True, text=True, timeout=300)
        if p.returncode != 0:
            return None, p.stderr.strip()
    return (np.load(r), np.load(y)), None


(first, problem), (later, problem2) = outputs(1), outputs(2)
if problem or problem2:
    check("first and later passes agree", problem or problem2)
else:
    same_r = first[0].tobytes() == later[0].tobytes()
    same_y = first[1].tobytes() == later[1].tobytes()
    check("the first explanation's relevance has the bits of a later one's", None if same_r else
          "max |diff| %.3g" % np.abs(first[0].astype(np.float64) - later[0]).max())
    check("the first forward's logits have the bits of a later one's", None if same_y else
          "max |diff| %.3g" % np.abs(first[1].astype(np.float64) - later[1]).max())
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
