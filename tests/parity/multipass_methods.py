#!/usr/bin/python3
# The multipass methods (method §10) against torch on a seeded tiny CNN:
# integrated-gradients (both baselines, and its completeness as the
# conservation error), smoothgrad and rise with the same splitmix64 stream
# drawn in numpy, occlusion brute-forced as zennit's attributor defines it,
# score-cam from torch's bilinear interpolate of the pooled layer.
import argparse
import json
import math
import os
import tempfile

from parity_common import Bad, Checks, run, run_status, skip

try:
    import numpy as np
    import torch
except ImportError:
    skip("numpy or torch is not available")

ap = argparse.ArgumentParser(description="onnx-lrp multipass methods against torch")
ap.add_argument("--cli", required=True)
args = ap.parse_args()

MEAN, STD, TARGET = 0.5, 0.25, 3
M64 = (1 << 64) - 1


def make_model(tmp):
    torch.manual_seed(16)
    m = torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.ReLU(),
        torch.nn.Conv2d(4, 4, 3, padding=1), torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(4, 5)).eval()
    x = torch.randn(1, 3, 12, 10)
    path = os.path.join(tmp, "m.onnx")
    torch.onnx.export(m, x, path, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "n"}, "y": {0: "n"}})
    np.save(os.path.join(tmp, "x.npy"), x.numpy())
    return m, path, x.numpy()[0].astype(np.float64)


def explain(tmp, model, preset, *opts):
    rp = os.path.join(tmp, preset + ".npy")
    ok, out, err = run([args.cli, "explain", model, "--input-tensor", os.path.join(tmp, "x.npy"),
                        "--preset", preset, "--target", str(TARGET), "--mean", str(MEAN),
                        "--std", str(STD), "--relevance-out", rp, "--json"] + list(opts))
    if not ok:
        raise Bad("explain --preset %s failed: %s" % (preset, err.strip()))
    return np.load(rp)[0].astype(np.float64), json.loads(out.splitlines()[0])


def logits(m, xs):
    with torch.no_grad():
        return m(torch.tensor(np.asarray(xs), dtype=torch.float32)).double().numpy()


def grads(m, xs):
    t = torch.tensor(np.asarray(xs), dtype=torch.float32, requires_grad=True)
    m(t)[:, TARGET].sum().backward()
    return t.grad.double().numpy()


def close(ours, ref, rtol, what):
    scale = max(np.abs(ref).max(), 1e-12)
    diff = np.abs(ours - ref).max()
    if not diff <= rtol * scale:
        raise Bad("%s: max_abs_diff %.3e of scale %.3e" % (what, diff, scale))
    return "max_abs_diff %.2e (scale %.2e)" % (diff, scale)


class Splitmix:
    def __init__(self, seed):
        self.s = seed & M64

    def u64(self):
        self.s = (self.s + 0x9e3779b97f4a7c15) & M64
        z = self.s
        z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M64
        z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M64
        return z ^ (z >> 31)

    def uniform(self):
        return (self.u64() >> 11) * 2.0 ** -53

    def gaussian(self):
        """Box-Muller: r cos(t), then r sin(t) of the same pair of uniforms."""
        if getattr(self, "sine", None) is not None:
            v, self.sine = self.sine, None
            return v
        u1, u2 = 1.0 - self.uniform(), self.uniform()
        r, t = math.sqrt(-2.0 * math.log(u1)), 2.0 * math.pi * u2
        self.sine = r * math.sin(t)
        return r * math.cos(t)


def check_ig(m, model, x, tmp, baseline, steps):
    ours, rep = explain(tmp, model, "integrated-gradients", "--ig-steps", str(steps),
                        "--ig-baseline", baseline)
    b = np.full_like(x, (0 - MEAN) / STD if baseline == "black" else 0.0)
    path = [(b + k / steps * (x - b)).astype(np.float32) for k in range(1, steps + 1)]
    ref = (x - b) * grads(m, path).mean(axis=0)
    delta = logits(m, [x, b])[:, TARGET]
    delta = delta[0] - delta[1]
    completeness = (ref.sum() - delta) / delta
    detail = close(ours, ref, 1e-4, "attributions")
    if abs(rep["output_relevance"] - delta) > 1e-5 * max(1.0, abs(delta)):
        raise Bad("f(x) - f(baseline): ours %g, torch %g" % (rep["output_relevance"], delta))
    if abs(rep["conservation_error"] - completeness) > 1e-4:
        raise Bad("completeness error: ours %g, torch %g" % (rep["conservation_error"],
                                                            completeness))
    return detail + ", completeness error %.3e" % completeness


def check_smoothgrad(m, model, x, tmp):
    n, sigma, seed = 24, 0.2, 7
    ours, _ = explain(tmp, model, "smoothgrad", "--sg-samples", str(n), "--sg-noise", str(sigma),
                      "--seed", str(seed))
    sd = sigma * (x.max() - x.min())
    rng, flat = Splitmix(seed), x.ravel()
    noisy = [np.array([v + sd * rng.gaussian() for v in flat]).reshape(x.shape)
             .astype(np.float32) for _ in range(n)]
    return close(ours, grads(m, noisy).mean(axis=0), 1e-4, "smoothgrad")


def check_occlusion(m, model, x, tmp):
    window, stride = 4, 3  # offsets 0, 3, 6, 9: the last windows wrap around the edges
    ours, _ = explain(tmp, model, "occlusion", "--occlusion-window", str(window),
                      "--occlusion-stride", str(stride))
    c, h, w = x.shape
    masks = []
    for oy in range(0, h, stride):
        for ox in range(0, w, stride):
            mask = np.zeros((h, w))
            mask[np.ix_([(oy + i) % h for i in range(window)],
                        [(ox + j) % w for j in range(window)])] = 1.0
            masks.append(np.broadcast_to(mask, x.shape))
    scores = logits(m, [(x * mk).astype(np.float32) for mk in masks])[:, TARGET]
    ref = sum(s * mk for s, mk in zip(scores, masks))
    return close(ours, ref, 1e-5, "occlusion")


def bilinear(grid, out, y, x):
    n = grid.shape[0]
    sy = max((y + 0.5) * n / out - 0.5, 0.0)
    sx = max((x + 0.5) * n / out - 0.5, 0.0)
    y0, x0 = int(sy), int(sx)
    y1, x1 = min(y0 + 1, n - 1), min(x0 + 1, n - 1)
    fy, fx = sy - y0, sx - x0
    top = grid[y0, x0] * (1 - fx) + grid[y0, x1] * fx
    bottom = grid[y1, x0] * (1 - fx) + grid[y1, x1] * fx
    return top * (1 - fy) + bottom * fy


def check_rise(m, model, x, tmp):
    n_masks, seed, cells, p = 70, 5, 7, 0.5  # 70: eight full batches of 8 and a part
    ours, _ = explain(tmp, model, "rise", "--rise-masks", str(n_masks), "--seed", str(seed))
    c, h, w = x.shape
    cell = -(-max(h, w) // cells)
    up = (cells + 1) * cell
    rng, masks = Splitmix(seed), []
    for _ in range(n_masks):
        grid = np.array([1.0 if rng.uniform() < p else 0.0 for _ in range(cells * cells)])
        grid = grid.reshape(cells, cells)
        dy, dx = int(rng.uniform() * cell), int(rng.uniform() * cell)
        masks.append(np.array([[bilinear(grid, up, yy + dy, xx + dx) for xx in range(w)]
                               for yy in range(h)]))
    z = logits(m, [(x * mk).astype(np.float32) for mk in masks])
    prob = np.exp(z - z.max(axis=1, keepdims=True))
    prob = prob[:, TARGET] / prob.sum(axis=1)
    sal = sum(q * mk for q, mk in zip(prob, masks)) / (n_masks * p)
    return close(ours, np.broadcast_to(sal / c, x.shape), 1e-4, "rise")


def check_score_cam(m, model, x, tmp):
    ours, _ = explain(tmp, model, "score-cam")
    act = m[:4](torch.tensor(x[None], dtype=torch.float32))  # the input of the global pooling
    up = torch.nn.functional.interpolate(act, size=x.shape[1:], mode="bilinear",
                                         align_corners=False)[0].detach().double().numpy()
    cam, used = np.zeros(x.shape[1:]), 0
    for u in up:
        if u.max() <= u.min():
            continue
        z = logits(m, [(x * (u - u.min()) / (u.max() - u.min())).astype(np.float32)])[0]
        cam += np.exp(z[TARGET] - z.max()) / np.exp(z - z.max()).sum() * u
        used += 1
    if used < 2:
        raise Bad("the fixture has %d non-constant maps: no test" % used)
    ref = np.broadcast_to(np.maximum(cam, 0) / x.shape[0], x.shape)
    return close(ours, ref, 1e-4, "score-cam") + ", %d maps" % used


def check_bad_options(model, tmp):
    """Each bad use: exit 2 with one line on stderr naming the option."""
    x = os.path.join(tmp, "x.npy")
    cases = [(["--ig-steps", "4"], "--ig-steps"),  # the default preset has no steps
             (["--preset", "integrated-gradients", "--ig-baseline", "grey"], "--ig-baseline"),
             (["--preset", "rise", "--rise-masks", "0"], "--rise-masks"),
             (["--preset", "smoothgrad", "--sg-noise", "-1"], "--sg-noise"),
             (["--preset", "occlusion", "--seed", "3"], "--seed")]
    for opts, name in cases:
        code, out, err = run_status([args.cli, "explain", model, "--input-tensor", x,
                                     "--relevance-out", os.path.join(tmp, "bad.npy")] + opts)
        lines = err.strip().splitlines()
        if code != 2 or len(lines) != 1 or name not in lines[0]:
            raise Bad("%s: exit %s, %r" % (" ".join(opts), code, err.strip()))
        if os.path.exists(os.path.join(tmp, "bad.npy")):
            raise Bad("%s: wrote an output" % " ".join(opts))
    return "%d bad uses refused, naming the option" % len(cases)


def check_ig_two_images(m, model, x, tmp):
    """Two images in one call: f(baseline), the same for both, is taken once and must still
    give each image its own f(x) - f(baseline)."""
    xs = np.stack([x, -0.5 * x]).astype(np.float32)
    xp = os.path.join(tmp, "x2.npy")
    np.save(xp, xs)
    ok, out, err = run([args.cli, "explain", model, "--input-tensor", xp, "--preset",
                        "integrated-gradients", "--ig-steps", "8", "--target", str(TARGET),
                        "--mean", str(MEAN), "--std", str(STD), "--json"])
    if not ok:
        raise Bad("explain of 2 images failed: %s" % err.strip())
    reps = [json.loads(line) for line in out.splitlines()[:2]]
    b = np.full_like(xs[0], (0 - MEAN) / STD)
    f = logits(m, [xs[0], xs[1], b])[:, TARGET]
    for i, rep in enumerate(reps):
        want = f[i] - f[2]
        if abs(rep["output_relevance"] - want) > 1e-5 * max(1.0, abs(want)):
            raise Bad("image %d: f(x) - f(baseline) ours %g, torch %g"
                      % (i, rep["output_relevance"], want))
    return "f(x) - f(baseline) of both images as torch's"


def main():
    checks = Checks(width=56)
    with tempfile.TemporaryDirectory() as tmp:
        m, model, x = make_model(tmp)
        checks.report("integrated-gradients black, 32 steps", check_ig, m, model, x, tmp,
                      "black", 32)
        checks.report("integrated-gradients zero, 45 steps (batches of 8)", check_ig, m,
                      model, x, tmp, "zero", 45)
        checks.report("integrated-gradients on 2 images, one f(baseline)", check_ig_two_images,
                      m, model, x, tmp)
        checks.report("smoothgrad 24 samples, noise 0.2, seed 7", check_smoothgrad, m, model,
                      x, tmp)
        checks.report("occlusion window 4 stride 3 (wrapping)", check_occlusion, m, model, x,
                      tmp)
        checks.report("rise 70 masks, seed 5", check_rise, m, model, x, tmp)
        checks.report("score-cam at the pooled layer", check_score_cam, m, model, x, tmp)
        checks.report("bad method options: exit 2, one line naming them", check_bad_options,
                      model, tmp)
    checks.finish()


main()
