#!/usr/bin/python3
# The baseline methods run by the reverse executor: `gradient` against finite
# differences of our own forward pass, gradient-x-input = gradient * input,
# and grad-cam's shape and sign.
import argparse
import os
import tempfile

from parity_common import finish, run, skip

try:
    import numpy as np
except ImportError:
    skip("numpy is not available")

ap = argparse.ArgumentParser(description="onnx-lrp baselines: gradient, gradient-x-input, grad-cam")
ap.add_argument("--cli", required=True)
ap.add_argument("--golden", required=True)
ap.add_argument("--fixtures", required=True)
args = ap.parse_args()

MODELS = [os.path.join(args.golden, "tiny-basic", "model.onnx"),
          os.path.join(args.golden, "tiny-bottleneck", "model-bn.onnx"),
          os.path.join(args.fixtures, "preact-op11.onnx")]
TARGET, EPS, TOL = 3, 1e-3, 2e-2  # a small step crosses few ReLU kinks
passed = failed = 0


def report(label, ok, detail):
    global passed, failed
    print("%-48s %s  %s" % (label, detail, "PASS" if ok else "FAIL"))
    passed += ok
    failed += not ok


def input_of(model):
    if "golden" in model:
        return np.load(os.path.join(os.path.dirname(model), "input.npy"))
    return np.load(model.replace(".onnx", ".input.npy"))[:1]


def explain(model, x, tmp, preset, target=TARGET):
    xp, rp = os.path.join(tmp, "x.npy"), os.path.join(tmp, preset + ".npy")
    np.save(xp, x)
    ok, _, err = run([args.cli, "explain", model, "--input-tensor", xp, "--preset", preset,
                      "--target", str(target), "--relevance-out", rp])
    if not ok:
        raise RuntimeError(err)
    return np.load(rp).astype(np.float64)


def logit(model, x, tmp):
    xp, yp = os.path.join(tmp, "xe.npy"), os.path.join(tmp, "y.npy")
    np.save(xp, x.astype(np.float32))
    ok, _, err = run([args.cli, "forward", model, "--input-tensor", xp, "--output-tensor", yp])
    if not ok:
        raise RuntimeError(err)
    return float(np.load(yp)[0, TARGET])


with tempfile.TemporaryDirectory(prefix="onnx-lrp-baselines-") as tmp:
    for model in MODELS:
        name = "%s/%s" % (os.path.basename(os.path.dirname(model)), os.path.basename(model))
        x = input_of(model)
        try:
            g = explain(model, x, tmp, "gradient")
            # directional derivative along a random direction, central differences
            d = np.random.default_rng(0).standard_normal(x.shape)
            fd = (logit(model, x + EPS * d, tmp) - logit(model, x - EPS * d, tmp)) / (2 * EPS)
            an = float((g * d).sum())
            rel = abs(an - fd) / max(abs(fd), 1e-6)
            report(name + " gradient", rel <= TOL, "g.d %.6g  finite diff %.6g  rel %.1e" % (an, fd, rel))
            gx = explain(model, x, tmp, "gradient-x-input")
            err = float(np.abs(gx - g * x).max())
            report(name + " gradient-x-input", err <= 1e-6 * max(1.0, np.abs(gx).max()),
                   "max|gxi - g*x| %.1e" % err)
            cam = explain(model, x, tmp, "grad-cam", "top")  # the top class has positive evidence
            same = all(np.array_equal(cam[:, 0], cam[:, k]) for k in range(cam.shape[1]))
            report(name + " grad-cam", cam.shape == x.shape and same and cam.min() >= 0 and cam.max() > 0,
                   "shape %s  channels equal %s  min %.2g  max %.2g" % (cam.shape, same, cam.min(), cam.max()))
        except RuntimeError as e:
            report(name, False, "onnx-lrp failed: %s" % str(e).strip())
finish(passed, failed)
