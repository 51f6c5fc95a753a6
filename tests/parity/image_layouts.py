#!/usr/bin/python3
# Image mode on the inputs models are exported with besides (1, C, H, W):
# an NHWC front (Transpose first; the images must fill (N, H, W, C)), a
# non-square input (160x256-like: the default is torchvision's Resize((h,
# w)) at 256/224 of each side, so any photo fits the crop), and a fixed
# batch > 1 (each image fills every slot). For each: the logits explain
# reports against torch on torchvision's own preprocessing of the same
# file, and the saved relevance of the gradient preset, (C, H, W), against
# torch autograd. Then the refusals: a --resize whose crop does not fit an
# image names the least --resize that would; evaluate refuses NHWC.
import argparse
import json
import os
import tempfile

from parity_common import compare, finish, run, run_status, skip

try:
    import numpy as np
    import torch

    from layout_models import CASES, export, torchvision_input
except ImportError as e:
    skip("%s is not available" % e.name)

ap = argparse.ArgumentParser(description="onnx-lrp image mode: NHWC, non-square, fixed batch")
ap.add_argument("--cli", required=True)
ap.add_argument("--images", required=True, help="tests/images")
args = ap.parse_args()
TARGET = 3
passed = failed = 0


def report(label, ok, detail):
    global passed, failed
    print("%-46s %s  %s" % (label, detail, "PASS" if ok else "FAIL"))
    passed += bool(ok)
    failed += not ok


def explain(model, image, out):
    ok, stdout, err = run([args.cli, "explain", model, image, "--preset", "gradient", "--target", str(TARGET),
                           "--json", "-o", out, "--save-relevance"])
    if not ok:
        raise RuntimeError(err)
    rec = json.loads(stdout.splitlines()[0])
    with open(os.path.join(out, "report.json")) as f:
        pre = json.load(f)["preprocess"]
    return rec, np.load(rec["outputs"]["relevance"]), pre


def check(label, channels_last, batch, image, tmp):
    path = os.path.join(tmp, label.replace(" ", "-") + ".onnx")
    net = export(channels_last, batch, path)
    x = torchvision_input(image)  # (1, 3, H, W)
    xm = (x.permute(0, 2, 3, 1) if channels_last else x).repeat(batch, 1, 1, 1).requires_grad_(True)
    y = net(xm)
    (g,) = torch.autograd.grad(y[0, TARGET], xm)
    g = (g[0].permute(2, 0, 1) if channels_last else g[0]).numpy()
    try:
        rec, rel, pre = explain(path, image, os.path.join(tmp, label.replace(" ", "-")))
    except (RuntimeError, ValueError, KeyError, IndexError) as e:
        report(label + ": explain", False, "onnx-lrp failed: %s" % e)
        return
    logits = np.array(rec["logits"])
    want = y[0].detach().numpy()
    diff = float(np.max(np.abs(logits - want)))
    report(label + ": logits vs torch", diff <= 1e-4 * float(np.max(np.abs(want))),
           "max_abs_diff %.2e, resize %s crop %s" % (diff, pre.get("resize"), pre.get("crop")))
    line = compare(rec["outputs"]["relevance"], g, 1e-4, "torch autograd")
    report(label + ": relevance (C, H, W) vs autograd", line.endswith("PASS"), line.rsplit(" ", 1)[0])


photo, portrait = os.path.join(args.images, "rgb.png"), os.path.join(args.images, "rgba.png")
with tempfile.TemporaryDirectory(prefix="onnx-lrp-layouts-") as tmp:
    for label, channels_last, batch, image in CASES:
        check(label, channels_last, batch, os.path.join(args.images, image), tmp)

    model = os.path.join(tmp, "plain.onnx")
    export(False, 1, model)
    code, _, err = run_status([args.cli, "explain", model, portrait, "--resize", "42", "-o",
                               os.path.join(tmp, "small")])
    report("--resize too small: says what fits", code == 1 and "at least 48" in err,
           "exit %s: %s" % (code, err.strip().splitlines()[-1] if err.strip() else ""))
    nhwc = os.path.join(tmp, "nhwc.onnx")
    export(True, 1, nhwc)
    code, _, err = run_status([args.cli, "evaluate", nhwc, photo])
    lines = err.strip().splitlines()
    report("evaluate on NHWC: refused", code == 2 and len(lines) == 1 and "evaluate" in lines[0],
           "exit %s: %s" % (code, err.strip()))
finish(passed, failed)
