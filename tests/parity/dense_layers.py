#!/usr/bin/python3
# Dense layers outside the ResNet pattern. A dense layer exported as MatMul + Add(bias) with a
# Softmax output (fixture plain-cnn-op13): the Add is the layer's bias b of y = W x + b
# (docs/method.md §2), so --zero-bias and the paper preset's dropped bias (§5) must treat it as
# they treat Gemm's C: the relevance must equal that of the same model with MatMul + Add fused into
# one Gemm; `forward` must not apply softmax twice. And zbox at a first layer that is a Gemm on the
# flattened image uses the bounds of each feature's image channel.
import argparse
import json
import os
import tempfile

from parity_common import Bad, Checks, flatten_gemm_model, run, run_status, skip

try:
    import numpy as np
    import onnx
    from onnx import helper
except ImportError as e:
    skip("%s" % e)

TOL = 1e-5
FIXTURE = "plain-cnn-op13"

ap = argparse.ArgumentParser(description="onnx-lrp on dense layers: MatMul + Add(bias), Softmax outputs, zbox")
ap.add_argument("--cli", required=True, help="path to the onnx-lrp executable")
ap.add_argument("--fixtures", required=True, help="tests/fixtures (with %s.onnx)" % FIXTURE)
args = ap.parse_args()
model = os.path.join(args.fixtures, FIXTURE + ".onnx")
x = os.path.join(args.fixtures, FIXTURE + ".input.npy")
if not os.path.isfile(model):
    raise SystemExit("error: %s missing: run tests/fixtures/gen_fixtures.py" % model)




def expect(good, detail):
    if not good:
        raise Bad(detail)
    return detail


def fuse_gemm(src, dst):
    """The same model with MatMul(X, W) -> Add(., b) written as one Gemm(X, W, b)."""
    m = onnx.load(src)
    nodes = list(m.graph.node)
    mm = next(n for n in nodes if n.op_type == "MatMul")
    add = next(n for n in nodes if n.op_type == "Add" and mm.output[0] in n.input)
    bias = next(i for i in add.input if i != mm.output[0])
    gemm = helper.make_node("Gemm", [mm.input[0], mm.input[1], bias], [add.output[0]], name="fused_gemm")
    m.graph.ClearField("node")
    m.graph.node.extend(gemm if n is mm else n for n in nodes if n is not add)
    onnx.checker.check_model(m)
    onnx.save(m, dst)


def explain(path, opts, npy=None):
    cmd = [args.cli, "explain", path, "--input-tensor", x, "--json"] + opts
    ok, out, err = run(cmd + (["--relevance-out", npy] if npy else []))
    if not ok:
        raise Bad("onnx-lrp explain " + err)
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def zero_bias_conserves():
    """§2: with zero-bias, epsilon-plus-flat conserves up to what the stabilizer keeps."""
    recs = explain(model, ["--preset", "epsilon-plus-flat", "--zero-bias"])
    err = [abs(r["conservation_error"] + sum(l["absorbed"] for l in r["leaks"])) for r in recs]
    bias = [l for r in recs for l in r["leaks"] if l["op"] == "Add"]
    return expect(max(err) <= TOL, "|cons_err + absorbed| %.2e (Add leak %s)" % (
        max(err), ", ".join("%+.3e" % l["leak"] for l in bias) or "none"))


def paper_keeps():
    """§5/§9: otsuki2024 drops the dense bias and keeps most of the seeded probability."""
    recs = explain(model, ["--preset", "otsuki2024"])
    shares = [r["input_relevance_sum"] / r["output_relevance"] for r in recs]
    return expect(all(0.85 <= s <= 1 + TOL for s in shares),
                  "kept %s of the seed" % ", ".join("%.1f%%" % (100 * s) for s in shares))


def same_as_gemm(gemm, opts, tmp):
    a, b = os.path.join(tmp, "matmul.npy"), os.path.join(tmp, "gemm.npy")
    explain(model, opts, a)
    explain(gemm, opts, b)
    ra, rb = np.load(a).astype(np.float64), np.load(b).astype(np.float64)
    diff, scale = float(np.max(np.abs(ra - rb))), float(np.max(np.abs(rb)))
    return expect(diff <= 1e-4 * scale, "max|MatMul+Add - Gemm| %.2e (max|R| %.2e)" % (diff, scale))


def forward_probability(tmp):
    """The graph output already is a probability: forward's top-5 must show it, not its softmax."""
    y = os.path.join(tmp, "y.npy")
    ok, out, err = run([args.cli, "forward", model, "--input-tensor", x, "--output-tensor", y, "--json"])
    if not ok:
        raise Bad("onnx-lrp forward " + err)
    probs = np.load(y).astype(np.float64)
    top = [img["top5"][0] for img in json.loads(out)["images"]]
    want = [float(p.max()) for p in probs]
    got = [float(t["probability"]) for t in top]
    return expect(all(abs(g - w) <= 1e-6 for g, w in zip(got, want)) and len(got) == len(want),
                  "top-1 probability %s, graph output %s" % (
                      ", ".join("%.6f" % g for g in got), ", ".join("%.6f" % w for w in want)))


def zbox_after_flatten(tmp):
    """epsilon-gamma-box when the first weighted layer is a Gemm on the flattened image: the
    bounds are per image channel (§5), so feature i of a (3, 4, 4) image uses channel i // 16.
    Refusing it (exit 2 naming the node) is fine too; reading other bounds is not."""
    rng = np.random.default_rng(6)
    w, b = rng.standard_normal((5, 48)).astype(np.float32), rng.standard_normal(5).astype(np.float32)
    m = flatten_gemm_model(w, b, (1, 3, 4, 4))
    path, xp, rp = (os.path.join(tmp, n) for n in ("zbox-dense.onnx", "zbox-x.npy", "zbox-r.npy"))
    onnx.save(m, path)
    x = rng.uniform(-1.5, 2.0, (1, 3, 4, 4)).astype(np.float32)
    np.save(xp, x)
    code, _, err = run_status([args.cli, "explain", path, "--input-tensor", xp, "--preset", "epsilon-gamma-box",
                               "--relevance-out", rp])
    if code == 2 and "fc_first" in err:
        return "refused: " + err.strip()
    expect(code == 0, "exit %s: %s" % (code, err.strip()))
    mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
    lo, hi = np.repeat(-mean / std, 16), np.repeat((1 - mean) / std, 16)
    xf, w64 = x.reshape(-1).astype(np.float64), w.astype(np.float64)
    wt = w64[int(np.argmax(w64 @ xf + b))]
    share = xf * wt - lo * np.maximum(wt, 0) - hi * np.minimum(wt, 0)  # §2 zbox, the bias cancels
    z = share.sum()
    want = share / (z + (1e-6 if z >= 0 else -1e-6))
    got = np.load(rp).astype(np.float64).reshape(-1)
    diff, scale = float(np.max(np.abs(got - want))), float(np.max(np.abs(want)))
    return expect(diff <= 1e-4 * scale, "max|R - formula| %.2e (max|R| %.2e)" % (diff, scale))


checks = Checks(52)
report = checks.report


with tempfile.TemporaryDirectory(prefix="onnx-lrp-dense-") as tmp:
    gemm = os.path.join(tmp, FIXTURE + "-gemm.onnx")
    fuse_gemm(model, gemm)
    report("zero-bias epsilon-plus-flat: conserved", zero_bias_conserves)
    report("otsuki2024: keeps the probability", paper_keeps)
    for preset in ("epsilon-plus-flat", "epsilon-plus", "epsilon-alpha2-beta1", "epsilon-gamma-box", "otsuki2024"):
        for extra in ([], ["--zero-bias"]):
            opts = ["--preset", preset] + extra
            report("%s: same as Gemm" % " ".join(opts[1:]), same_as_gemm, gemm, opts, tmp)
    report("forward: Softmax output is the probability", forward_probability, tmp)
    report("zbox at a Gemm after Flatten", zbox_after_flatten, tmp)
checks.finish()
