#!/usr/bin/python3
# Bad input: every broken model / .npy in tests/bad_input must be refused with exit code 2 and
# one `onnx-lrp: error:` line naming the file (and node, ops, shapes where they apply); usage errors exit 2.
import argparse
import os
import re
import subprocess
import time

from parity_common import finish

TIMEOUT = 20  # seconds; a hang or a huge allocation shows up as a timeout or a slow refusal
QUICK = 5     # seconds within which the "huge" cases must be refused

# file -> fragments the error line must contain besides the path (a tuple: any one of them)
MODELS = {
    "not-onnx.onnx": [],
    "empty.onnx": [],
    "truncated.onnx": [],
    "unsupported-ops.onnx": ["Sin", "Cos"],
    "bad-dtype.onnx": ["float16", "'W'"],
    "external-data.onnx": ["external", "'W'"],
    "shape-mismatch.onnx": ["conv_mismatch", "Conv", "(1, 3, 8, 8)", "(4, 5, 3, 3)"],
    "cycle.onnx": ["cycle"],
    "undefined-input.onnx": ["add_undefined", "ghost_tensor"],
    "control-chars.onnx": ["evil"],
    "two-producers.onnx": ["'dup'", "relu_first", "relu_second"],
    "wrong-attr-type.onnx": ["conv_float_strides", "strides"],
    "group-mismatch.onnx": ["conv_group", "group", "(1, 3, 8, 8)"],
    "kernel-too-large.onnx": ["conv_big_kernel", "9"],
    "huge-dims.onnx": [("elements", "limit", "too large", "overflow")],
    "huge-reshape.onnx": ["reshape_huge"],
    "huge-initializer.onnx": ["'W'"],
    "short-initializer.onnx": ["'W'", "10", "108"],
    "negative-dim.onnx": ["'W'", "-3"],
}
QUICK_CASES = {"huge-dims.onnx", "huge-reshape.onnx", "huge-initializer.onnx"}

ap = argparse.ArgumentParser(description="onnx-lrp must refuse broken inputs cleanly (exit 2)")
ap.add_argument("--cli", required=True, help="path to the onnx-lrp executable")
ap.add_argument("--dir", required=True, help="tests/bad_input (output of gen_bad_models.py)")
ap.add_argument("--fixtures", required=True, help="tests/fixtures (for basic-op13.onnx)")
args = ap.parse_args()
cli = args.cli
model13 = os.path.join(args.fixtures, "basic-op13.onnx")


def bad(path):
    return os.path.join(args.dir, path)


# (label, argv, fragments that must appear in the single error line)
CASES = [("inspect " + f, ["inspect", bad(f)], [bad(f)] + frags) for f, frags in MODELS.items()]
CASES += [
    ("inspect /nonexistent.onnx", ["inspect", "/nonexistent.onnx"], ["/nonexistent.onnx"]),
    ("inspect DIRECTORY", ["inspect", args.dir], [args.dir]),
    ("forward float64.npy", ["forward", model13, "--input-tensor", bad("float64.npy")],
     [bad("float64.npy"), ("<f8", "float64")]),
    ("forward rank3.npy", ["forward", model13, "--input-tensor", bad("rank3.npy")],
     [bad("rank3.npy"), ("rank 3", "(3, 32, 32)")]),
    ("forward channels4.npy", ["forward", model13, "--input-tensor", bad("channels4.npy")],
     [(model13, bad("channels4.npy")), "(1, 4, 32, 32)", "(2, 3, 32, 32)"]),
    ("forward missing.npy", ["forward", model13, "--input-tensor", bad("no-such-input.npy")],
     [bad("no-such-input.npy")]),
]


def run_status(argv):
    """(exit code or None when it did not finish, stdout, stderr); undecodable bytes replaced."""
    try:
        p = subprocess.run(argv, capture_output=True, timeout=TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, "", str(e)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def verdict_error(argv, frags, quick):
    t0 = time.monotonic()
    code, _, err = run_status([cli] + argv)
    dt = time.monotonic() - t0
    if code is None:
        return "FAIL (did not finish: %s)" % err.strip()
    if code < 0:
        return "FAIL (killed by signal %d: crash)" % -code
    lines = err.splitlines()
    if code != 2:
        return "FAIL (exit %d, want 2: %s)" % (code, (lines or ["(no stderr)"])[0])
    if len(lines) != 1 or not lines[0].startswith("onnx-lrp: error:"):
        return "FAIL (stderr is not one 'onnx-lrp: error:' line: %r)" % err[:300]
    missing = [f for f in frags if not any(a in lines[0] for a in (f if isinstance(f, tuple) else (f,)))]
    if missing:
        return "FAIL (missing %s in: %s)" % (" / ".join(map(repr, missing)), lines[0])
    if quick and dt > QUICK:
        return "FAIL (refused after %.1f s, want < %d s)" % (dt, QUICK)
    return "%s  PASS" % lines[0]


def verdict_usage(argv, want_code, stdout_re=None):
    code, out, err = run_status([cli] + argv)
    if code is None:
        return "FAIL (did not finish: %s)" % err.strip()
    if code < 0:
        return "FAIL (killed by signal %d: crash)" % -code
    if code != want_code:
        return "FAIL (exit %d, want %d)" % (code, want_code)
    if want_code != 0 and not err.strip():
        return "FAIL (exit %d without a message on stderr)" % code
    if stdout_re and not re.search(stdout_re, out):
        return "FAIL (stdout does not match %r: %r)" % (stdout_re, out[:200])
    return "exit %d  PASS" % code


passed = failed = 0


def report(label, verdict):
    global passed, failed
    print("%-34s %s" % (label, verdict))
    passed += verdict.endswith("PASS")
    failed += not verdict.endswith("PASS")


if not os.path.isfile(cli):
    raise SystemExit("error: %s not found" % cli)
for label, argv, frags in CASES:
    generated = argv[-1].startswith(bad("")) and not argv[-1].endswith("no-such-input.npy")
    if generated and not os.path.exists(argv[-1]):
        report(label, "FAIL (%s missing: run tests/bad_input/gen_bad_models.py)" % argv[-1])
        continue
    report(label, verdict_error(argv, frags, label.split()[-1] in QUICK_CASES))

golden = os.path.join(args.fixtures, "..", "golden", "tiny-basic")
tiny, tiny_x = os.path.join(golden, "model.onnx"), os.path.join(golden, "input.npy")
images = os.path.join(args.fixtures, "..", "images")
USAGE = [
    ("(no arguments)", [], 2, None),
    ("forward (no arguments)", ["forward"], 2, None),
    ("inspect (no arguments)", ["inspect"], 2, None),
    ("forward MODEL (no --input-tensor)", ["forward", model13], 2, None),
    ("inspect MODEL --bogus", ["inspect", model13, "--bogus"], 2, None),
    ("frobnicate", ["frobnicate"], 2, None),
    # valid model and inputs: only the thread count is wrong
    ("forward --threads 0", ["forward", tiny, "--input-tensor", tiny_x, "--threads", "0"], 2, None),
    ("forward --threads 257", ["forward", tiny, "--input-tensor", tiny_x, "--threads", "257"], 2,
     None),
    ("evaluate --threads 257", ["evaluate", tiny, images, "--limit", "1", "--threads", "257"], 2,
     None),
    ("--help", ["--help"], 0, r"(?i)usage"),
    ("inspect --help", ["inspect", "--help"], 0, r"(?i)usage.*inspect"),
    ("forward --help", ["forward", "--help"], 0, r"(?i)usage.*forward"),
    ("--version", ["--version"], 0, r"\d+\.\d+"),
]
for label, argv, want, stdout_re in USAGE:
    report(label, verdict_usage(argv, want, stdout_re))
finish(passed, failed)
