#!/usr/bin/python3
# The zbox bounds of epsilon-gamma-box come from the preprocessing in force (docs/method.md §5):
# low = (0 - mean)/std, high = (1 - mean)/std per input channel, with mean and std resolved as for
# images (the model's onnx_lrp.mean/.std, else ImageNet's; --mean/--std win), in tensor mode, image
# mode and evaluate alike, and reported as "zbox_bounds". Checked against the closed form, against
# the same run with the bounds given explicitly, and on a model whose first layer is one Gemm,
# where the relevance is a formula of the bounds.
import argparse
import json
import os
import tempfile

from parity_common import Bad, Checks, flatten_gemm_model, run, run_status, skip

try:
    import numpy as np
    import onnx
    from PIL import Image
except ImportError as e:
    skip("%s" % e)

ap = argparse.ArgumentParser(description="zbox bounds from the preprocessing in force")
ap.add_argument("--cli", required=True, help="path to the onnx-lrp executable")
ap.add_argument("--samples", required=True, help="samples/ (fashion-resnet-bn.onnx, images/)")
args = ap.parse_args()
SAMPLE = os.path.join(args.samples, "fashion-resnet-bn.onnx")
IMAGE = os.path.join(args.samples, "images", "00-tshirt-0.png")
SAMPLE_MEAN, SAMPLE_STD = 0.286, 0.353  # the sample model's onnx_lrp.mean / .std
IMAGENET = ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
GZB = ["--preset", "epsilon-gamma-box"]




def expect(good, detail):
    if not good:
        raise Bad(detail)
    return detail


def closed_form(mean, std):
    mean, std = np.asarray(mean, np.float64), np.asarray(std, np.float64)
    return -mean / std, (1 - mean) / std


def same_bounds(rec, mean, std, what):
    lo, hi = closed_form(mean, std)
    got = rec.get("zbox_bounds")
    expect(got is not None, "%s: no zbox_bounds in the JSON" % what)
    glo, ghi = np.array(got["low"]), np.array(got["high"])
    expect(glo.shape == lo.shape and ghi.shape == hi.shape,
           "%s: bounds for %d channels, want %d" % (what, glo.size, lo.size))
    diff = max(np.max(np.abs(glo - lo)), np.max(np.abs(ghi - hi)))
    return expect(diff <= 1e-6 * max(np.max(np.abs(lo)), np.max(np.abs(hi))),
                  "%s: low %s high %s, closed form %s %s" % (what, glo, ghi, lo, hi))


def tensor_run(model, x, opts, rel=None):
    cmd = [args.cli, "explain", model, "--input-tensor", x, "--json"] + GZB + opts
    ok, out, err = run(cmd + (["--relevance-out", rel] if rel else []))
    expect(ok, "explain --input-tensor " + err)
    return json.loads(out.splitlines()[0])


def image_run(model, image, out_dir, opts=()):
    ok, _, err = run([args.cli, "explain", model, image, "-o", out_dir] + GZB + list(opts))
    expect(ok, "explain on images " + err)
    with open(os.path.join(out_dir, "report.json")) as f:
        return json.load(f)["images"][0]


def sample_tensor(tmp):
    """The sample image as the model's metadata says (resize 64, crop 64), computed with PIL."""
    img = Image.open(IMAGE).convert("RGB").resize((64, 64), Image.BILINEAR)
    x = (np.asarray(img, np.float32) / np.float32(255) - np.float32(SAMPLE_MEAN)) / np.float32(SAMPLE_STD)
    path = os.path.join(tmp, "sample-x.npy")
    np.save(path, x.transpose(2, 0, 1)[None].copy())
    return path


def sample_tensor_bounds(tmp):
    rec = tensor_run(SAMPLE, sample_tensor(tmp), [])
    return same_bounds(rec, [SAMPLE_MEAN] * 3, [SAMPLE_STD] * 3, "tensor mode")


def sample_modes_agree(tmp):
    t = tensor_run(SAMPLE, sample_tensor(tmp), [])
    i = image_run(SAMPLE, IMAGE, os.path.join(tmp, "sample-out"))
    same_bounds(i, [SAMPLE_MEAN] * 3, [SAMPLE_STD] * 3, "report.json")
    dl = float(np.max(np.abs(np.array(t["logits"]) - np.array(i["logits"]))))
    ds = abs(t["input_relevance_sum"] - i["input_relevance_sum"])
    return expect(dl <= 1e-5 and ds <= 1e-5 * abs(t["output_relevance"]),
                  "image vs tensor mode: logits differ by %.2e, sum R_in %.6g vs %.6g"
                  % (dl, i["input_relevance_sum"], t["input_relevance_sum"]))


def sample_explicit_same(tmp):
    x, a, b = sample_tensor(tmp), os.path.join(tmp, "r-meta.npy"), os.path.join(tmp, "r-explicit.npy")
    tensor_run(SAMPLE, x, [], a)
    tensor_run(SAMPLE, x, ["--mean", str(SAMPLE_MEAN), "--std", str(SAMPLE_STD)], b)
    d = float(np.max(np.abs(np.load(a) - np.load(b))))
    return expect(d == 0.0, "metadata vs --mean %g --std %g: max|dR| %.2e" % (SAMPLE_MEAN, SAMPLE_STD, d))


def sample_imagenet_differs(tmp):
    x, a, b = sample_tensor(tmp), os.path.join(tmp, "r-meta.npy"), os.path.join(tmp, "r-imagenet.npy")
    tensor_run(SAMPLE, x, [], a)
    rec = tensor_run(SAMPLE, x, ["--mean", ",".join(map(str, IMAGENET[0])), "--std",
                                 ",".join(map(str, IMAGENET[1]))], b)
    same_bounds(rec, IMAGENET[0], IMAGENET[1], "--mean/--std ImageNet's")
    ra, rb = np.load(a).astype(np.float64), np.load(b).astype(np.float64)
    rel = float(np.linalg.norm(ra - rb) / np.linalg.norm(ra))
    return expect(rel > 1e-2, "metadata vs ImageNet bounds: relative L2 difference %.2e" % rel)


# A model whose first (and only) weighted layer is a Gemm on the flattened (3, 4, 4) image, with
# its own metadata: R = zbox of that Gemm, a closed form of the bounds (§2).
DENSE_MEAN, DENSE_STD = [0.3, 0.4, 0.5], [0.2, 0.25, 0.3]


def dense_model(tmp):
    rng = np.random.default_rng(12)
    w, b = rng.standard_normal((5, 48)).astype(np.float32), rng.standard_normal(5).astype(np.float32)
    m = flatten_gemm_model(w, b, (1, 3, 4, 4))
    for k, v in (("onnx_lrp.resize", "0"), ("onnx_lrp.crop", "4"),
                 ("onnx_lrp.mean", ",".join(map(str, DENSE_MEAN))), ("onnx_lrp.std", ",".join(map(str, DENSE_STD)))):
        m.metadata_props.add(key=k, value=v)
    path = os.path.join(tmp, "zbox-dense.onnx")
    onnx.save(m, path)
    pixels = rng.integers(0, 256, (4, 4, 3), dtype=np.uint8)
    png = os.path.join(tmp, "dense.png")
    Image.fromarray(pixels, "RGB").save(png)
    x = (pixels.astype(np.float32) / np.float32(255) - np.float32(DENSE_MEAN)) / np.float32(DENSE_STD)
    xp = os.path.join(tmp, "dense-x.npy")
    np.save(xp, x.transpose(2, 0, 1)[None].copy())
    return path, png, xp, x.transpose(2, 0, 1).astype(np.float64), w.astype(np.float64), b


def zbox_formula(x, w, b, mean, std):
    lo, hi = (np.repeat(v, 16) for v in closed_form(mean, std))
    xf = x.reshape(-1)
    wt = w[int(np.argmax(w @ xf + b))]
    share = xf * wt - lo * np.maximum(wt, 0) - hi * np.minimum(wt, 0)  # the bias cancels
    z = share.sum()
    return share / (z + (1e-6 if z >= 0 else -1e-6))


def dense_tensor(tmp):
    path, _, xp, x, w, b = dense_model(tmp)
    rp = os.path.join(tmp, "dense-r.npy")
    rec = tensor_run(path, xp, [], rp)
    same_bounds(rec, DENSE_MEAN, DENSE_STD, "tensor mode")
    want = zbox_formula(x, w, b, DENSE_MEAN, DENSE_STD)
    got = np.load(rp).astype(np.float64).reshape(-1)
    diff, scale = float(np.max(np.abs(got - want))), float(np.max(np.abs(want)))
    return expect(diff <= 1e-4 * scale, "max|R - formula| %.2e (max|R| %.2e)" % (diff, scale))


def dense_image(tmp):
    path, png, _, x, w, b = dense_model(tmp)
    rec = image_run(path, png, os.path.join(tmp, "dense-out"))
    same_bounds(rec, DENSE_MEAN, DENSE_STD, "report.json")
    want = w @ x.reshape(-1) + b  # the image normalized with the metadata, through the Gemm
    diff = float(np.max(np.abs(np.array(rec["logits"]) - want)))
    return expect(diff <= 1e-5 * float(np.max(np.abs(want))), "logits differ from W x + b by %.2e" % diff)


def evaluate_bounds(tmp):
    out = os.path.join(tmp, "eval")
    code, _, err = run_status([args.cli, "evaluate", SAMPLE, IMAGE, "--methods", "epsilon-gamma-box",
                               "--threads", "1", "-o", out])
    expect(code == 0, "evaluate exit %s: %s" % (code, err.strip()))
    with open(os.path.join(out, "evaluate.json")) as f:
        method = json.load(f)["methods"][0]
    return same_bounds(method, [SAMPLE_MEAN] * 3, [SAMPLE_STD] * 3, "evaluate.json")


checks = Checks(56)
report = checks.report


with tempfile.TemporaryDirectory(prefix="onnx-lrp-zbox-") as tmp:
    report("sample, tensor mode: bounds of the metadata", sample_tensor_bounds, tmp)
    report("sample: image = tensor mode (bounds, logits, sum)", sample_modes_agree, tmp)
    report("sample: metadata = explicit --mean/--std", sample_explicit_same, tmp)
    report("sample: ImageNet's --mean/--std change R", sample_imagenet_differs, tmp)
    report("Gemm-first model, tensor mode: R = zbox formula", dense_tensor, tmp)
    report("Gemm-first model, image mode: bounds, logits", dense_image, tmp)
    report("evaluate.json: bounds of the metadata", evaluate_bounds, tmp)
checks.finish()
