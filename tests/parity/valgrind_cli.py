#!/usr/bin/python3
# valgrind memcheck on the command line (issue 8): inspect, forward, explain in tensor mode and
# explain in image mode (-o to a temporary directory, one corrupt image among good ones) on a small
# fixture must show no invalid access, no uninitialised value and no leak, on the default backend
# and (forward, explain) on OpenBLAS. Skips (77) without valgrind or when the executable is built
# with a sanitizer (the two do not mix). oneDNN runs with its SSE4.1 kernels here: valgrind 3.19
# cannot translate its AVX2 and AVX-512 JIT code ("VEX temporary storage exhausted").
import argparse
import os
import shutil
import subprocess
import tempfile

from parity_common import finish, skip

VALGRIND_ERROR = 9
TIMEOUT = 600

ap = argparse.ArgumentParser(description="valgrind --leak-check=full on onnx-lrp")
ap.add_argument("--cli", required=True, help="path to the onnx-lrp executable")
ap.add_argument("--fixtures", required=True, help="tests/fixtures (basic-op13, basic-dynamic)")
ap.add_argument("--images", required=True, help="tests/images")
args = ap.parse_args()

valgrind = shutil.which("valgrind")
if not valgrind:
    skip("valgrind is not installed")
with open(args.cli, "rb") as f:
    if b"__asan_init" in f.read():
        skip("%s is built with AddressSanitizer" % args.cli)

model = os.path.join(args.fixtures, "basic-op13.onnx")      # input (2, 3, 32, 32)
dynamic = os.path.join(args.fixtures, "basic-dynamic.onnx")  # input (?, 3, ?, ?), for images
x = os.path.join(args.fixtures, "basic-op13.input.npy")
img = lambda name: os.path.join(args.images, name)
eval_dir = os.path.join(os.path.dirname(os.path.abspath(args.fixtures)), "eval")
region, region_images = os.path.join(eval_dir, "region.onnx"), os.path.join(eval_dir, "region_images")
work = tempfile.mkdtemp(prefix="valgrind-")
out_dir = os.path.join(work, "out")

# (label, argv, expected exit code of onnx-lrp itself)
RUNS = [
    ("inspect", ["inspect", model], 0),
    ("forward", ["forward", model, "--input-tensor", x, "--threads", "2"], 0),
    ("explain tensor", ["explain", model, "--input-tensor", x, "--preset", "otsuki2024", "--json",
                        "--relevance-out", os.path.join(work, "R.npy")], 0),
    ("forward openblas", ["forward", model, "--input-tensor", x, "--backend", "openblas"], 0),
    ("explain openblas", ["explain", model, "--input-tensor", x, "--preset", "otsuki2024",
                          "--backend", "openblas"], 0),
    ("explain images", ["explain", dynamic, img("palette.png"), img("photo.jpg"), img("corrupt.png"),
                        "--crop", "32", "-o", out_dir, "--threads", "2", "--save-relevance",
                        "--topk", "2"], 1),
    # --limit drops inputs after the folder was listed: they must be freed too
    ("evaluate", ["evaluate", region, region_images, "--labels-csv",
                  os.path.join(region_images, "labels.csv"), "--resize", "8", "--crop", "8",
                  "--mean", "0", "--std", "1", "--limit", "2",
                  "--methods", "random,gradient-x-input", "-o", os.path.join(work, "eval")], 0),
]

passed = failed = 0
for label, argv, want in RUNS:
    log = os.path.join(work, label.replace(" ", "-") + ".log")
    cmd = [valgrind, "--leak-check=full", "--error-exitcode=%d" % VALGRIND_ERROR,
           "--errors-for-leak-kinds=definite,indirect,possible", "--log-file=" + log,
           args.cli] + argv
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT,
                           env=dict(os.environ, ONEDNN_MAX_CPU_ISA="SSE41"))
        code = p.returncode
    except subprocess.TimeoutExpired:
        code = None
    with open(log) as f:
        summary = [ln.split("== ", 1)[-1] for ln in f
                   if "ERROR SUMMARY" in ln or "in use at exit:" in ln or "definitely lost:" in ln]
    if code == want:
        verdict = "PASS"
    elif code == VALGRIND_ERROR:
        with open(log) as f:
            print(f.read())
        verdict = "FAIL (valgrind found errors, log above)"
    else:
        verdict = "FAIL (exit %s, want %d: %s)" % (code, want, (p.stderr.strip().splitlines()
                                                            or [""])[-1] if code is not None else "")
    print("%-16s %s  %s" % (label, "; ".join(s.strip() for s in summary), verdict))
    passed += verdict == "PASS"
    failed += verdict != "PASS"
shutil.rmtree(work, ignore_errors=True)
finish(passed, failed)
