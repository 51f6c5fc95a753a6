#!/usr/bin/python3
# Conservation properties of `onnx-lrp explain` (docs/method.md §4, §9) on the golden models and
# the fixtures: exact ratio/symmetric splits, the paper preset's kept share, --check-conservation,
# and finite, well-shaped relevance on every fixture.
import argparse
import json
import os
import sys
import tempfile

from parity_common import Bad, Checks, load_fixtures, run, run_status, skip

try:
    import numpy as np
except ImportError:
    skip("numpy is not available")

TOL = 1e-5
NOBIAS = ["--preset", "epsilon-plus-flat", "--zero-bias"]

ap = argparse.ArgumentParser(description="onnx-lrp explain: conservation properties")
ap.add_argument("--cli", required=True, help="path to the onnx-lrp executable")
ap.add_argument("--golden", required=True, help="tests/golden (one folder per case)")
ap.add_argument("--fixtures", required=True, help="directory with manifest.json")
args = ap.parse_args()




def expect(good, detail):
    if not good:
        raise Bad(detail)
    return detail


def explain(model, x, opts, npy=None):
    """Per-image JSON objects of `explain --json` (one per image of x)."""
    cmd = [args.cli, "explain", model, "--input-tensor", x, "--json"] + opts
    ok, out, err = run(cmd + (["--relevance-out", npy] if npy else []))
    if not ok:
        raise Bad("onnx-lrp explain " + err)
    recs = [json.loads(line) for line in out.splitlines() if line.strip()]
    n = np.load(x).shape[0]
    expect(len(recs) == n and all(isinstance(r, dict) for r in recs), "%d JSON objects for %d images" % (len(recs), n))
    return recs


def split_conserves(model, x, split):
    """§4/§9: zero-bias epsilon-plus-flat with an exact split conserves, image-wide and per Add,
    up to what the stabilizer kept (reported per node as `absorbed`; all of R where z = 0)."""
    recs = explain(model, x, NOBIAS + ["--split", split])
    adds = [a for r in recs for a in r["residual_adds"]]
    expect(adds, "no residual_adds reported")
    err = [abs(r["conservation_error"] + sum(l["absorbed"] for l in r["leaks"])) for r in recs]
    # the per-node leaks telescope to the image's conservation error
    gap = [abs(sum(l["leak"] for l in r["leaks"]) - r["conservation_error"]) for r in recs]
    add = [abs(a["mainstream"] + a["shortcut"] - a["relevance"]) / max(1.0, abs(a["relevance"])) for a in adds]
    share = [abs(a["mainstream_share"] - 0.5) for a in adds if split == "symmetric"]
    vals = err + gap + add + share
    return expect(all(v <= TOL for v in vals),  # NaN fails
                  "|cons_err+absorbed| %.1e  |sum(leak)-cons_err| %.1e  max|R_M+R_S-R| %.1e (%d adds)%s" % (
                      np.max(err), np.max(gap), np.max(add), len(adds),
                      "  max|share-0.5| %.1e" % np.max(share) if share else ""))


def check_exit(model, x, opts, want=None):
    """§9 via --check-conservation: exit 0 when conserved, 3 naming a leaking node otherwise.
    want=None: decided from the JSON's conservation_error."""
    if want is None:
        want = 0 if all(abs(r["conservation_error"]) <= TOL for r in explain(model, x, opts)) else 3
    leaking = set()
    if want == 3:
        leaking = {str(l["node"]) for r in explain(model, x, opts) for l in r["leaks"] if not abs(l["leak"]) <= TOL}
        expect(leaking, "the JSON shows no node with |leak| > %g" % TOL)
    rc, _, err = run_status([args.cli, "explain", model, "--input-tensor", x,
                             "--check-conservation", str(TOL)] + opts)
    named = [n for n in sorted(leaking) if n and n in err]
    detail = "exit %s (want %d)" % (rc, want) + ("  stderr names %s" % (named[0] if named else "no leaking node")
                                                  if want == 3 else "")
    return expect(rc == want and (want != 3 or named), detail)


def paper_keeps(model, x, meta, npy):
    """§5/§9: otsuki2024 seeds the top-1 probability and keeps most of it (≈94%), never more."""
    r = explain(model, x, ["--preset", "otsuki2024"], npy)[0]
    s, out, p = float(r["input_relevance_sum"]), float(r["output_relevance"]), meta["top1_softmax"]
    map_sum = float(np.load(npy).astype(np.float64).sum())
    return expect(r["target"] == meta["target"] and abs(out - p) <= TOL and 0 < s <= out * (1 + TOL)
                  and s >= 0.85 * out and abs(map_sum - s) <= TOL * max(1.0, abs(s)),
                  "target %s (top1 %d)  out %.6f (softmax %.6f)  sum %.6f = %.1f%%  map sum %.6f" % (
                      r["target"], meta["target"], out, p, s, 100 * s / out if out else float("nan"), map_sum))


def fixture_runs(d, fx, preset, npy):
    """Every fixture explains: finite relevance of the input's shape, all residual Adds reported."""
    x = os.path.join(d, fx["input"])
    recs = explain(os.path.join(d, fx["file"]), x, ["--preset", preset], npy)
    rel, shape = np.load(npy), np.load(x).shape
    counts = sorted({len(r["residual_adds"]) if isinstance(r.get("residual_adds"), list) else -1 for r in recs})
    return expect(rel.shape == shape and bool(np.isfinite(rel).all()) and counts == [fx["residual_adds"]],
                  "shape %s (input %s)  finite %s  residual_adds %s (manifest %d)" % (
                      rel.shape, shape, bool(np.isfinite(rel).all()), counts, fx["residual_adds"]))


checks = Checks(54)
report = checks.report


cases = sorted(c for c in os.listdir(args.golden) if os.path.isfile(os.path.join(args.golden, c, "case.json")))
if not cases:
    sys.exit("error: no case folder with case.json in " + args.golden)
with tempfile.TemporaryDirectory(prefix="onnx-lrp-conservation-") as tmp:
    for case in cases:
        d = os.path.join(args.golden, case)
        x = os.path.join(d, "input.npy")
        with open(os.path.join(d, "case.json")) as f:
            meta = json.load(f)
        for name in ("model.onnx", "model-bn.onnx"):
            model, where = os.path.join(d, name), "%s/%s" % (case, name)
            for split in ("ratio", "symmetric"):
                report("%s %s: conserved" % (where, split), split_conserves, model, x, split)
                report("%s %s: --check-conservation" % (where, split), check_exit, model, x,
                       NOBIAS + ["--split", split])
            report("%s epsilon-plus: --check-conservation" % where, check_exit, model, x,
                   ["--preset", "epsilon-plus"], 3)
        report("%s/model-bn.onnx otsuki2024: kept" % case, paper_keeps, os.path.join(d, "model-bn.onnx"), x, meta,
               os.path.join(tmp, case + "-otsuki.npy"))
    for d, fx in load_fixtures(args.fixtures):
        for preset in ("epsilon-plus-flat", "otsuki2024"):
            report("%s %s: runs" % (fx["name"], preset), fixture_runs, d, fx, preset,
                   os.path.join(tmp, "%s-%s.npy" % (fx["name"], preset)))
checks.finish()
