#!/usr/bin/python3
# Errors of `onnx-lrp explain`: bad options and models it cannot explain exit 2 with a message
# that names what is wrong (the target and class count, the known presets, the rule-less nodes);
# --check-conservation on a leaking preset exits 3 naming a node. Nothing is written on failure.
import argparse
import os
import subprocess
import tempfile

from parity_common import finish, skip

try:
    import numpy as np
except ImportError:
    skip("numpy is not available")

TIMEOUT = 60
PRESETS = ["epsilon-plus-flat", "epsilon-plus", "epsilon-alpha2-beta1", "epsilon-gamma-box", "otsuki2024"]

ap = argparse.ArgumentParser(description="onnx-lrp explain must refuse bad options and models cleanly")
ap.add_argument("--cli", required=True, help="path to the onnx-lrp executable")
ap.add_argument("--dir", required=True, help="tests/bad_input (output of gen_bad_models.py)")
ap.add_argument("--fixtures", required=True, help="tests/fixtures (basic-op13.onnx and its input)")
args = ap.parse_args()
model13 = os.path.join(args.fixtures, "basic-op13.onnx")
x13 = os.path.join(args.fixtures, "basic-op13.input.npy")
no_rule = os.path.join(args.dir, "no-rule.onnx")


def run_status(argv):
    """(exit code or None when it did not finish, stdout, stderr); undecodable bytes replaced."""
    try:
        p = subprocess.run(argv, capture_output=True, timeout=TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, "", str(e)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def missing(text, frags):
    """Fragments (a tuple: any one of them) not found in text."""
    return [f for f in frags if not any(a in text for a in (f if isinstance(f, tuple) else (f,)))]


def verdict(argv, want, frags, one_line, out_npy):
    """Exit code want; stderr's first line holds every fragment; a library error is one
    'onnx-lrp: error:' line; --relevance-out is not written."""
    code, _, err = run_status([args.cli, "explain"] + argv + ["--relevance-out", out_npy])
    if code is None:
        return "FAIL (did not finish: %s)" % err.strip()
    if code < 0:
        return "FAIL (killed by signal %d: crash)" % -code
    lines = err.splitlines() or ["(no stderr)"]
    if code != want:
        return "FAIL (exit %d, want %d: %s)" % (code, want, lines[0])
    if one_line and (len(lines) != 1 or not lines[0].startswith("onnx-lrp: error:")):
        return "FAIL (stderr is not one 'onnx-lrp: error:' line: %r)" % err[:300]
    gone = missing(lines[0], frags)
    if gone:
        return "FAIL (missing %s in: %s)" % (" / ".join(map(repr, gone)), lines[0])
    if want != 0 and want != 3 and os.path.exists(out_npy):
        return "FAIL (wrote %s although it failed)" % out_npy
    return "%s  PASS" % lines[0]


passed = failed = 0


def report(label, text):
    global passed, failed
    print("%-40s %s" % (label, text))
    passed += text.endswith("PASS")
    failed += not text.endswith("PASS")


if not os.path.isfile(args.cli):
    raise SystemExit("error: %s not found" % args.cli)
with tempfile.TemporaryDirectory(prefix="onnx-lrp-explain-errors-") as tmp:
    x8 = os.path.join(tmp, "x8.npy")  # what no-rule.onnx takes: (1, 3, 8, 8)
    np.save(x8, np.random.default_rng(5).standard_normal((1, 3, 8, 8)).astype(np.float32))
    base = [model13, "--input-tensor", x13]
    # (label, argv, exit code, fragments of the first stderr line, library error = one line)
    CASES = [
        ("--target 99 (10 classes)", base + ["--target", "99"], 2, ["--target", "99", "10", "class"],
         False),
        ("--target -1", base + ["--target", "-1"], 2, ["--target"], False),
        ("--target 2.5", base + ["--target", "2.5"], 2, ["--target"], False),
        ("--preset nope", base + ["--preset", "nope"], 2, ["'nope'"] + PRESETS, False),
        ("--split nope", base + ["--split", "nope"], 2, ["'nope'", "split"], False),
        ("--init nope", base + ["--init", "nope"], 2, ["'nope'", "one", "logit", "softmax"], False),
        ("--alpha 3 --beta 1", base + ["--alpha", "3", "--beta", "1"], 2, ["alpha", "beta", "3", "1"],
         True),
        ("--epsilon abc", base + ["--epsilon", "abc"], 2, ["--epsilon", "abc"], False),
        ("--input-tensor channels4.npy", [model13, "--input-tensor", os.path.join(args.dir, "channels4.npy")],
         2, ["(1, 4, 32, 32)", "(2, 3, 32, 32)"], True),
        ("no-rule.onnx (Softmax, Mul)", [no_rule, "--input-tensor", x8], 2,
         [no_rule, "softmax_mid", "Softmax", "mul_mid", "Mul", "no relevance rule"], True),
        ("--check-conservation, epsilon-plus", base + ["--preset", "epsilon-plus", "--check-conservation", "1e-5"],
         3, ["not conserved", "node '"], False),
    ]
    for i, (label, argv, want, frags, one_line) in enumerate(CASES):
        if no_rule in argv and not os.path.isfile(no_rule):
            report(label, "FAIL (%s missing: run tests/bad_input/gen_bad_models.py)" % no_rule)
            continue
        report(label, verdict(argv, want, frags, one_line, os.path.join(tmp, "r%d.npy" % i)))
    # no-rule.onnx is a valid model: only explain refuses it
    code, _, err = run_status([args.cli, "forward", no_rule, "--input-tensor", x8])
    report("forward no-rule.onnx runs", "exit 0  PASS" if code == 0 else "FAIL (exit %s: %s)" % (code, err.strip()))
finish(passed, failed)
