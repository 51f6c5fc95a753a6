#!/usr/bin/python3
# --backend and --version (issue 13): --version names the engines built in and what the CPU
# offers; every engine it names runs forward and explain, and their outputs agree with each other
# (OpenBLAS im2col + GEMM against oneDNN's direct kernels); an unknown or absent engine is exit 2
# with one line on stderr that names the option, and so is --precision bf16 where it cannot run.
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
args = ap.parse_args()
model = os.path.join(args.fixtures, "bottleneck-op13.onnx")
x = os.path.join(args.fixtures, "bottleneck-op13.input.npy")
work = tempfile.mkdtemp(prefix="backend-option-")
passed = failed = 0


def check(label, problem):
    global passed, failed
    print("%-58s %s" % (label, "FAIL (%s)" % problem if problem else "PASS"))
    passed += not problem
    failed += bool(problem)


def run(argv):
    p = subprocess.run([args.cli] + argv, capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


def one_line_naming(res, *words):
    code, _, err = res
    lines = err.strip().splitlines()
    if code != 2:
        return "exit %d, want 2" % code
    if len(lines) != 1 or not all(w in lines[0] for w in words):
        return "stderr %r, want one line naming %s" % (err, " ".join(words))
    return None


code, out, _ = run(["--version"])
lines = dict(l.split(":", 1) for l in out.splitlines() if ":" in l)
engines = lines.get("backends", "").split("(")[0].split()
problem = None
if code != 0 or "openblas" not in engines or not lines.get("cpu", "").strip():
    problem = "exit %d, output %r: want 'backends: openblas ...' and 'cpu: ...'" % (code, out)
elif "dnnl" in engines and "oneDNN" not in lines.get("dnnl", ""):
    problem = "dnnl is built in but the 'dnnl:' line does not name oneDNN's version: %r" % out
check("--version names the backends and the CPU's instruction sets", problem)

check("--backend foo: exit 2, one line naming the option",
      one_line_naming(run(["--backend", "foo", "forward", model, "--input-tensor", x]),
                      "--backend", "foo"))
if "dnnl" not in engines:
    check("--backend dnnl without oneDNN: exit 2, one line naming it",
          one_line_naming(run(["--backend", "dnnl", "forward", model, "--input-tensor", x]),
                          "--backend dnnl"))

precision = lines.get("precision", "").split()
check("--version names the precision in use, f32 by default",
      None if precision[:1] == ["f32"] else "want 'precision: f32 ...', got %r" % precision)
check("--precision f16: exit 2, one line naming the option",
      one_line_naming(run(["--precision", "f16", "forward", model, "--input-tensor", x]),
                      "--precision", "f16"))
# bf16 is oneDNN's alone and never falls back to f32: an OpenBLAS run of it names both options
check("--backend openblas --precision bf16: exit 2, one line naming both",
      one_line_naming(run(["--backend", "openblas", "--precision", "bf16", "explain", model,
                           "--input-tensor", x]), "--precision bf16", "openblas"))
if "dnnl" in engines:  # a CPU without AVX512_BF16 and AMX, as oneDNN's own switch simulates it
    os.environ["DNNL_MAX_CPU_ISA"] = "AVX512_CORE"
    check("--precision bf16 on a CPU without bf16: exit 2, one line naming it",
          one_line_naming(run(["--precision", "bf16", "explain", model, "--input-tensor", x]),
                          "--precision bf16", "AVX512_BF16"))
    del os.environ["DNNL_MAX_CPU_ISA"]

outputs = {}
for b in engines:
    y, r = os.path.join(work, "y-%s.npy" % b), os.path.join(work, "r-%s.npy" % b)
    res = [run(["--backend", b, "forward", model, "--input-tensor", x, "--output-tensor", y]),
           run(["explain", model, "--input-tensor", x, "--relevance-out", r, "--backend", b])]
    bad = [e.strip() for c, _, e in res if c != 0]
    check("--backend %s: forward and explain run" % b, "; ".join(bad) if bad else None)
    if not bad:
        outputs[b] = np.load(y).astype(np.float64), np.load(r).astype(np.float64)
if len(outputs) == 2:
    (ya, ra), (yb, rb) = outputs["openblas"], outputs["dnnl"]
    ey = np.abs(ya - yb).max() / np.abs(ya).max()
    er = np.linalg.norm(ra - rb) / np.linalg.norm(ra)
    check("openblas and dnnl agree: logits %.1e, relevance %.1e (limits 1e-5, 1e-4)" % (ey, er),
          None if ey < 1e-5 and er < 1e-4 else "they differ")
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
