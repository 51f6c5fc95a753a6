#!/usr/bin/python3
# Images fed to a 1-channel model: an RGB (or RGBA) image becomes luma as PIL's convert('L'),
# then resize, crop, and normalize with the model's onnx_lrp.mean/.std, else the documented
# 1-channel default (the luma of ImageNet's mean and std, README). The logits in report.json must
# equal torch on the tensor computed here with PIL; what was done to the channels is said once on
# stderr and in report.json "conversions"; a mean/std count that fits neither 1 nor the channel
# count is exit 2 naming the option (or metadata key) and both counts.
import argparse
import json
import os
import re
import tempfile

from parity_common import Bad, Checks, run_status, skip

try:
    import numpy as np
    import onnx
    import torch
    from onnx import helper, numpy_helper
    from PIL import Image
except ImportError as e:
    skip("%s" % e)

ap = argparse.ArgumentParser(description="RGB images on a 1-channel model")
ap.add_argument("--cli", required=True, help="path to the onnx-lrp executable")
args = ap.parse_args()

LUMA = np.array([0.299, 0.587, 0.114])  # ITU-R 601-2
GRAY_MEAN = float(LUMA @ [0.485, 0.456, 0.406])  # the documented 1-channel default
GRAY_STD = float(LUMA @ [0.229, 0.224, 0.225])
SIDE = 24  # the model's input: crop 24, resize round(24 * 256 / 224) = 27




def expect(good, detail):
    if not good:
        raise Bad(detail)
    return detail


rng = np.random.default_rng(8)
W1 = rng.standard_normal((4, 1, 3, 3)).astype(np.float32)
B1 = rng.standard_normal(4).astype(np.float32) * 0.1
W2 = rng.standard_normal((3, 4)).astype(np.float32)
B2 = rng.standard_normal(3).astype(np.float32) * 0.1


def gray_model(path, meta=()):
    """Conv(1->4, 3x3) -> Relu -> GlobalAveragePool -> Flatten -> Gemm(4->3), input (1,1,24,24)."""
    g = helper.make_graph(
        [helper.make_node("Conv", ["input", "W1", "B1"], ["c"], name="conv1", pads=[1, 1, 1, 1]),
         helper.make_node("Relu", ["c"], ["r"], name="relu"),
         helper.make_node("GlobalAveragePool", ["r"], ["p"], name="pool"),
         helper.make_node("Flatten", ["p"], ["f"], name="flatten"),
         helper.make_node("Gemm", ["f", "W2", "B2"], ["logits"], name="fc", transB=1)],
        "gray", [helper.make_tensor_value_info("input", onnx.TensorProto.FLOAT, [1, 1, SIDE, SIDE])],
        [helper.make_tensor_value_info("logits", onnx.TensorProto.FLOAT, [1, 3])],
        [numpy_helper.from_array(a, n) for a, n in ((W1, "W1"), (B1, "B1"), (W2, "W2"), (B2, "B2"))])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    for k, v in meta:
        m.metadata_props.add(key=k, value=v)
    onnx.save(m, path)
    return path


def reference_logits(png, mean, std):
    """PIL's convert('L'), torchvision's Resize(27) + CenterCrop(24), then normalize; torch forward."""
    img = Image.open(png).convert("L")
    w, h = img.size
    short = 27
    size = (int(short * w / h), short) if w >= h else (short, int(short * h / w))
    img = img.resize(size, Image.BILINEAR)
    top, left = int(round((size[1] - SIDE) / 2.0)), int(round((size[0] - SIDE) / 2.0))
    x = np.asarray(img, np.float32)[top:top + SIDE, left:left + SIDE] / np.float32(255)
    x = (x.astype(np.float64) - mean) / std
    t = torch.from_numpy(x[None, None])
    y = torch.nn.functional.conv2d(t, torch.from_numpy(W1.astype(np.float64)),
                                   torch.from_numpy(B1.astype(np.float64)), padding=1)
    f = torch.relu(y).mean(dim=(2, 3))
    return (f @ torch.from_numpy(W2.astype(np.float64)).T + torch.from_numpy(B2.astype(np.float64))).numpy()[0]


def explain(model, png, out_dir, opts=()):
    code, _, err = run_status([args.cli, "explain", model, png, "-o", out_dir] + list(opts))
    expect(code == 0, "exit %s: %s" % (code, err.strip()))
    with open(os.path.join(out_dir, "report.json")) as f:
        return json.load(f), err


def same_logits(rep, png, mean, std):
    got = np.array(rep["images"][0]["logits"], np.float64)
    want = reference_logits(png, mean, std)
    diff = float(np.max(np.abs(got - want)))
    return expect(diff <= 1e-4 * float(np.max(np.abs(want))),
                  "logits %s, PIL + torch with mean %.4f std %.4f: %s" % (got, mean, std, want))


def said_once(rep, err, words):
    conv = rep.get("conversions")
    expect(conv is not None, "no \"conversions\" in report.json")
    for w in words:
        expect(sum(w in c for c in conv) == 1, "report.json conversions %s: none says '%s'" % (conv, w))
        lines = [l for l in err.splitlines() if w in l]
        expect(len(lines) == 1, "stderr says '%s' %d times" % (w, len(lines)))
    return "said once: " + ", ".join(words)


def rgb_default(tmp):
    model = gray_model(os.path.join(tmp, "gray.onnx"))
    png = os.path.join(tmp, "rgb.png")
    Image.fromarray(rng.integers(0, 256, (30, 40, 3), dtype=np.uint8), "RGB").save(png)
    rep, err = explain(model, png, os.path.join(tmp, "out-rgb"))
    detail = same_logits(rep, png, GRAY_MEAN, GRAY_STD)
    pre = rep["preprocess"]
    expect(abs(pre["mean"][0] - GRAY_MEAN) < 1e-6 and abs(pre["std"][0] - GRAY_STD) < 1e-6,
           "report.json preprocess mean %s std %s, documented %.4f %.4f" % (pre["mean"], pre["std"], GRAY_MEAN,
                                                                           GRAY_STD))
    said_once(rep, err, ["luma"])
    return detail


def rgba_default(tmp):
    model = gray_model(os.path.join(tmp, "gray.onnx"))
    png = os.path.join(tmp, "rgba.png")
    Image.fromarray(rng.integers(0, 256, (36, 28, 4), dtype=np.uint8), "RGBA").save(png)
    rep, err = explain(model, png, os.path.join(tmp, "out-rgba"))
    detail = same_logits(rep, png, GRAY_MEAN, GRAY_STD)
    said_once(rep, err, ["luma", "alpha"])
    return detail


def rgb_metadata(tmp):
    model = gray_model(os.path.join(tmp, "gray-meta.onnx"), [("onnx_lrp.mean", "0.25"), ("onnx_lrp.std", "0.5")])
    png = os.path.join(tmp, "rgb.png")
    rep, _ = explain(model, png, os.path.join(tmp, "out-meta"))
    return same_logits(rep, png, 0.25, 0.5)


def zbox_default(tmp):
    model = gray_model(os.path.join(tmp, "gray.onnx"))
    rep, _ = explain(model, os.path.join(tmp, "rgb.png"), os.path.join(tmp, "out-zbox"),
                     ["--preset", "epsilon-gamma-box"])
    b = rep["images"][0]["zbox_bounds"]
    lo, hi = -GRAY_MEAN / GRAY_STD, (1 - GRAY_MEAN) / GRAY_STD
    return expect(len(b["low"]) == 1 and abs(b["low"][0] - lo) < 1e-5 and abs(b["high"][0] - hi) < 1e-5,
                  "zbox_bounds %s, closed form low %.6f high %.6f" % (b, lo, hi))


def refused(cmd, source, counts):
    """Exit 2, one stderr line naming the source and (as words) both counts."""
    code, out, err = run_status(cmd)
    lines = err.strip().splitlines()
    expect(code == 2 and len(lines) == 1, "exit %s, stderr %r" % (code, err.strip()))
    words = re.findall(r"[\w.-]+", lines[0].split(cmd[2], 1)[-1])  # after the model's path
    missing = [w for w in [source] + counts if w not in words]
    expect(not missing, "%r does not name %s" % (lines[0], ", ".join(missing)))
    return "exit 2: " + lines[0]


def three_means(tmp, mode):
    model = gray_model(os.path.join(tmp, "gray.onnx"))
    if mode == "images":
        target = [os.path.join(tmp, "rgb.png"), "-o", os.path.join(tmp, "out-bad")]
    else:
        x = os.path.join(tmp, "gray-x.npy")
        np.save(x, np.zeros((1, 1, SIDE, SIDE), np.float32))
        target = ["--input-tensor", x]
    return refused([args.cli, "explain", model] + target + ["--mean", "0.1,0.2,0.3"], "--mean", ["3", "1"])


def three_std_metadata(tmp):
    model = gray_model(os.path.join(tmp, "gray-bad.onnx"), [("onnx_lrp.std", "0.2,0.2,0.2")])
    return refused([args.cli, "explain", model, os.path.join(tmp, "rgb.png"), "-o", os.path.join(tmp, "o")],
                   "onnx_lrp.std", ["3", "1"])


checks = Checks(48)
report = checks.report


with tempfile.TemporaryDirectory(prefix="onnx-lrp-gray-") as tmp:
    report("RGB on a 1-channel model: luma, defaults", rgb_default, tmp)
    report("RGBA on a 1-channel model: alpha dropped", rgba_default, tmp)
    report("RGB, 1-channel model with metadata", rgb_metadata, tmp)
    report("epsilon-gamma-box bounds, 1 channel", zbox_default, tmp)
    report("3-value --mean, 1 channel, images: exit 2", three_means, tmp, "images")
    report("3-value --mean, 1 channel, tensor: exit 2", three_means, tmp, "tensor")
    report("3-value onnx_lrp.std, 1 channel: exit 2", three_std_metadata, tmp)
checks.finish()
