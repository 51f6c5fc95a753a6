# Shared helpers for the parity scripts: fixture manifests, subprocess runs, summary/exit codes.
import json
import os
import subprocess
import sys

SKIP = 77  # meson's "test skipped" exit code


def skip(why):
    print("SKIP: " + why)
    sys.exit(SKIP)


def load_fixtures(fixtures_dir, large_dir=None):
    """(directory, manifest entry) pairs; --large-dir adds only entries marked large."""
    out, seen = [], set()
    for d, only_large in ((fixtures_dir, False), (large_dir, True)):
        if d is None:
            continue
        path = os.path.join(d, "manifest.json")
        if not os.path.isfile(path):
            sys.exit("error: no manifest.json in %s (run tests/fixtures/gen_fixtures.py)" % d)
        with open(path) as f:
            for e in json.load(f)["fixtures"]:
                if (only_large and not e.get("large")) or e["name"] in seen:
                    continue
                seen.add(e["name"])
                out.append((d, e))
    return out


def run(cmd, timeout=900):
    """Run cmd; return (ok, stdout, short error text)."""
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        return False, "", str(e)
    err = (p.stderr.strip().splitlines() or ["(no stderr)"])[0]
    return p.returncode == 0, p.stdout, "exit %d: %s" % (p.returncode, err)


def finish(passed, failed):
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


def compare(ours_path, ref, rtol, label="reference"):
    """Verdict line for max|ours - ref| <= rtol * max|ref| (ref: array or .npy path)."""
    import numpy as np
    try:
        a = np.load(ours_path)
        b = np.load(ref) if isinstance(ref, str) else ref
    except (OSError, ValueError) as e:
        return "FAIL (unreadable .npy: %s)" % e
    if a.shape != b.shape:
        return "FAIL (shape %s, %s %s)" % (a.shape, label, b.shape)
    diff = float(np.max(np.abs(a.astype(np.float64) - b))) if a.size else 0.0
    scale = float(np.max(np.abs(b))) if b.size else 0.0
    rel = diff / scale if scale > 0 else diff
    good = diff <= rtol * scale  # False when diff is NaN
    return "max_abs_diff %.3e  rel %.3e  %s" % (diff, rel, "PASS" if good else "FAIL")


def run_status(cmd, timeout=900):
    """Run cmd; return (exit code, or None when it could not run, stdout, stderr)."""
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, "", str(e)
    return p.returncode, p.stdout, p.stderr


def flatten_gemm_model(w, b, shape):
    """An ONNX model (opset 13) input (shape) -> Flatten -> Gemm (W = w (out, in), transB,
    B = b) -> logits: the first weighted layer is a dense one on the flattened image."""
    import onnx
    from onnx import helper, numpy_helper
    g = helper.make_graph(
        [helper.make_node("Flatten", ["input"], ["f"], name="flatten"),
         helper.make_node("Gemm", ["f", "W", "B"], ["logits"], name="fc_first", transB=1)],
        "flatten_gemm", [helper.make_tensor_value_info("input", onnx.TensorProto.FLOAT, list(shape))],
        [helper.make_tensor_value_info("logits", onnx.TensorProto.FLOAT, [shape[0], w.shape[0]])],
        [numpy_helper.from_array(w, "W"), numpy_helper.from_array(b, "B")])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    return m


class Bad(Exception):
    """A failed check; the message is the detail line."""


def skip_without_dnnl(cli):
    """The 'dnnl: ...' line of `cli --version` (oneDNN's version and instruction set); skips
    when cli was built without oneDNN."""
    version = subprocess.run([cli, "--version"], capture_output=True, text=True).stdout
    backends = version.split("backends:")[-1].splitlines()[0].split("(")[0].split()
    line = [l for l in version.splitlines() if l.startswith("dnnl:")]
    if "dnnl" not in backends or not line:
        skip("this onnx-lrp has no oneDNN")
    return line[0]


class Verdicts:
    """One line per check, its label padded to `width` and PASS, or FAIL (the problem);
    counted; finish() prints the totals and exits."""

    def __init__(self, width=76):
        self.width, self.passed, self.failed = width, 0, 0

    def report(self, label, problem):
        print("%-*s %s" % (self.width, label, "FAIL (%s)" % problem if problem else "PASS"))
        self.passed += not problem
        self.failed += bool(problem)

    def finish(self):
        finish(self.passed, self.failed)


class Checks:
    """Runs checks that return their detail line or raise Bad, prints one verdict line
    each (label padded to `width`), counts them; finish() prints the totals and exits."""

    MALFORMED = (KeyError, TypeError, ValueError, IndexError, OSError, ZeroDivisionError)

    def __init__(self, width=52):
        self.width, self.passed, self.failed = width, 0, 0

    def report(self, label, check, *check_args):
        try:
            verdict = check(*check_args) + "  PASS"
        except Bad as e:
            verdict = "%s  FAIL" % e
        except self.MALFORMED as e:  # malformed JSON or .npy
            verdict = "malformed output (%s: %s)  FAIL" % (type(e).__name__, e)
        print("%-*s %s" % (self.width, label, verdict))
        self.passed += verdict.endswith("PASS")
        self.failed += not verdict.endswith("PASS")

    def finish(self):
        finish(self.passed, self.failed)
