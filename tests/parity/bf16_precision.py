#!/usr/bin/python3
# --precision bf16 (issue 13): oneDNN's convolutions read bfloat16 inputs and weights (8-bit
# mantissa, unit roundoff u = 2^-8) and accumulate in f32. Checked against references computed
# outside onnx-lrp (zennit's maps and the paper authors' code, tests/golden):
#   - the maps stay within relative L2 2e-2 of them: every conv rounds both operands, a relative
#     error of about 2u/sqrt(3) = 4.5e-3 per layer, and the dozen layers of the golden models,
#     forward and back, add these up in quadrature to at most about 2e-2 (seen: 3-5e-3);
#   - and move at least 1e-4 away from the f32 map (f32 is within 1e-5 of the references), so
#     that a run which silently stayed f32 fails;
#   - conservation: with zero biases the input relevance sums to what zennit's does within u of
#     the seed: rounding to nearest is unbiased, so the rounding errors of many terms cancel
#     rather than add (seen: 6e-4 at most);
#   - the bits do not depend on --threads (1, 2, 3) in forward and explain, batch 3;
#   - --version names the precision in use.
# Exit 77 when this build has no oneDNN or the CPU no bf16 (the error path is
# tests/usage/backend_option.py).
import argparse
import json
import os
import tempfile

from parity_common import Bad, Checks, run, run_status, skip

try:
    import numpy as np
except ImportError:
    skip("numpy is not available")

U = 2.0 ** -8  # bf16's unit roundoff
MAP_TOL, MOVED = 2e-2, 1e-4

ap = argparse.ArgumentParser(description="onnx-lrp --precision bf16 against f32 and the goldens")
ap.add_argument("--cli", required=True, help="path to the onnx-lrp executable")
ap.add_argument("--golden", required=True, help="tests/golden (one folder per case)")
ap.add_argument("--samples", required=True, help="samples/ (fashion-resnet.onnx)")
args = ap.parse_args()


def cpu_has_bf16():
    """Whether the CPU has AVX512_BF16 or AMX-BF16 (Linux's flags), whatever onnx-lrp says."""
    try:
        flags = open("/proc/cpuinfo").read().split()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


code, version, _ = run_status([args.cli, "--version"])
backends = [l for l in version.splitlines() if l.startswith("backends:")]
if code != 0 or not backends:
    raise SystemExit("error: %s --version failed" % args.cli)
if "dnnl" not in backends[0].split("(")[0].split() or not cpu_has_bf16():
    skip("no oneDNN in this build or no AVX512_BF16/AMX on this CPU")

work = tempfile.mkdtemp(prefix="onnx-lrp-bf16-")
checks = Checks(width=64)


def explain(model, x, precision, extra, name):
    """(relevance, the first image's JSON) of one explain run."""
    out = os.path.join(work, name + ".npy")
    ok, stdout, err = run([args.cli, "--precision", precision, "explain", model, "--input-tensor",
                           x, "--relevance-out", out, "--json"] + extra)
    if not ok:
        raise Bad("explain --precision %s: %s" % (precision, err))
    return np.load(out).astype(np.float64), json.loads(stdout.splitlines()[0])


def rel_l2(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def check_version():
    code, out, err = run_status([args.cli, "--precision", "bf16", "--version"])
    got = [l for l in out.splitlines() if l.startswith("precision:")]
    if code != 0 or not got or not got[0].startswith("precision: bf16"):
        raise Bad("exit %s, %r" % (code, got or err.strip().splitlines()[:1]))
    return got[0]


checks.report("--precision bf16 --version names bf16", check_version)

cases = sorted(c for c in os.listdir(args.golden)
               if os.path.isfile(os.path.join(args.golden, c, "case.json")))
for case in cases:
    d = os.path.join(args.golden, case)
    meta = json.load(open(os.path.join(d, "case.json")))
    x = os.path.join(d, "input.npy")
    jobs = [("epsilon-plus-flat", "model.onnx", ["--target", str(meta["target"])],
             "zennit/epsilon-plus-flat.npy"),
            ("otsuki2024", "model-bn.onnx", ["--preset", "otsuki2024", "--split", "ratio"],
             "reference/flows_skip.npy")]
    for method, model, extra, ref_path in jobs:
        def check_map(model=model, extra=extra, ref_path=ref_path, method=method):
            ref = np.load(os.path.join(d, ref_path)).astype(np.float64)
            name = "%s-%s" % (case, method)
            b16, _ = explain(os.path.join(d, model), x, "bf16", extra, name + "-bf16")
            f32, _ = explain(os.path.join(d, model), x, "f32", extra, name + "-f32")
            if ref.ndim == 2:  # the authors' maps: the channel sum of one image
                b16, f32 = b16[0].sum(axis=0), f32[0].sum(axis=0)
            to_ref, moved = rel_l2(b16, ref), rel_l2(b16, f32)
            detail = "rel_l2 %.2e to the golden (< %.0e), %.2e to f32 (> %.0e)" % (
                to_ref, MAP_TOL, moved, MOVED)
            if not (to_ref < MAP_TOL and moved > MOVED):
                raise Bad(detail)
            return detail
        checks.report("%s %s: bf16 map" % (case, method), check_map)

    def check_conservation(d=d, x=x, meta=meta, case=case):
        want = meta["zennit"]["epsilon-plus-flat-nobias"]["sum"]
        _, j = explain(os.path.join(d, "model.onnx"), x, "bf16",
                       ["--target", str(meta["target"]), "--zero-bias"], case + "-nobias")
        drift = abs(j["input_relevance_sum"] - want) / abs(j["output_relevance"])
        detail = "sum %.6f, zennit's %.6f: %.1e of the seed (<= u = %.1e)" % (
            j["input_relevance_sum"], want, drift, U)
        if not drift <= U:
            raise Bad(detail)
        return detail
    checks.report("%s zero-bias conservation in bf16" % case, check_conservation)

rng = np.random.default_rng(13)
xs = os.path.join(work, "fashion-x3.npy")
np.save(xs, rng.standard_normal((3, 3, 64, 64)).astype(np.float32))
fashion = os.path.join(args.samples, "fashion-resnet.onnx")


def check_threads(command, extra):
    outs = []
    for threads in (1, 2, 3):
        out = os.path.join(work, "%s-%d.npy" % (command, threads))
        flag = "--output-tensor" if command == "forward" else "--relevance-out"
        ok, _, err = run([args.cli, "--precision", "bf16", command, fashion, "--input-tensor", xs,
                          flag, out, "--threads", str(threads)] + extra)
        if not ok:
            raise Bad("--threads %d: %s" % (threads, err))
        outs.append(open(out, "rb").read())
    if outs[1] != outs[0] or outs[2] != outs[0]:
        raise Bad("the output differs between --threads 1, 2, 3")
    return "byte-identical on 1, 2, 3 threads"


checks.report("fashion-resnet batch 3 forward, bf16", lambda: check_threads("forward", []))
for preset in ("epsilon-plus-flat", "otsuki2024"):
    checks.report("fashion-resnet batch 3 %s, bf16" % preset,
               lambda p=preset: check_threads("explain", ["--preset", p]))
checks.finish()
