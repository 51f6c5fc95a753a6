#!/usr/bin/python3
# Python's Model.explain_image against `onnx-lrp explain` on the models
# image mode takes besides (1, 3, H, W): an NHWC front, a non-square input
# (Resize((h, w)) at 256/224 of each side) and a fixed batch > 1. The saved
# relevance must equal Python's byte for byte, Model.preprocessing must say
# what report.json says, and Model.load_image must give torchvision's
# preprocessing (an independent reference) in the model's layout and batch;
# a too-small resize is named as Python's argument.
import argparse
import json
import os
import sys
import tempfile

from parity_common import finish, run, skip

ap = argparse.ArgumentParser(description="onnx_lrp.explain_image == onnx-lrp explain")
ap.add_argument("--cli", required=True)
ap.add_argument("--lib", required=True, help="the shared library the package loads")
ap.add_argument("--python", required=True, help="the folder holding the onnx_lrp package")
ap.add_argument("--images", required=True, help="tests/images")
args = ap.parse_args()
os.environ["ONNX_LRP_LIBRARY"] = os.path.abspath(args.lib)
sys.path.insert(0, args.python)
try:
    import numpy as np

    import onnx_lrp
    from layout_models import CASES, export, torchvision_input
except ImportError as e:
    skip("%s is not available" % e.name)

TARGET = 2
PRESET = "epsilon-alpha2-beta1"  # an LRP preset (zbox bounds fail on NHWC in the CLI too)
passed = failed = 0


def report(label, ok, detail):
    global passed, failed
    print("%-44s %s  %s" % (label, detail, "PASS" if ok else "FAIL"))
    passed += bool(ok)
    failed += not ok


def cli_explain(model, image, out):
    """(relevance the CLI saved, report.json's preprocess)."""
    ok, stdout, err = run([args.cli, "explain", model, image, "--preset", PRESET, "--target",
                           str(TARGET), "--json", "-o", out, "--save-relevance"])
    if not ok:
        raise RuntimeError("onnx-lrp explain: " + err)
    rec = json.loads(stdout.splitlines()[0])
    with open(os.path.join(out, "report.json")) as f:
        return np.load(rec["outputs"]["relevance"]), json.load(f)["preprocess"]


def check(label, channels_last, batch, image, tmp):
    name = label.replace(" ", "-").replace(",", "")
    path = os.path.join(tmp, name + ".onnx")
    export(channels_last, batch, path)
    theirs, pre = cli_explain(path, image, os.path.join(tmp, name))
    try:
        with onnx_lrp.Model(path) as model:
            p = model.preprocessing()
            x, _ = model.load_image(image)
            rel, _ = model.explain_image(image, preset=PRESET, target=TARGET)
    except onnx_lrp.Error as e:
        report(label + ": Python", False, "onnx_lrp failed: %s" % e)
        return
    same = (list(np.atleast_1d(p["resize"])) == list(np.atleast_1d(pre["resize"])) and
            list(p["crop"]) == pre["crop"])
    report(label + ": preprocessing", same, "Python resize %s crop %s, report.json %s %s"
           % (p["resize"], p["crop"], pre["resize"], pre["crop"]))
    ref = torchvision_input(image)[0].numpy()
    ref = np.stack([ref.transpose(1, 2, 0) if channels_last else ref] * batch)
    diff = float(np.max(np.abs(x - ref))) if x.shape == ref.shape else float("inf")
    report(label + ": load_image vs torchvision", diff <= 1e-5,
           "shape %s (want %s), max_abs_diff %.2e" % (x.shape, ref.shape, diff))
    same = rel.shape == (1,) + theirs.shape and rel[0].tobytes() == theirs.tobytes()
    report(label + ": explain_image == CLI bytes", same,
           "Python %s, CLI %s, max_abs_diff %.2e" % (rel.shape, theirs.shape,
                                                    float(np.max(np.abs(rel[0] - theirs)))
                                                    if rel.shape[1:] == theirs.shape else np.inf))


with tempfile.TemporaryDirectory(prefix="onnx-lrp-pyimage-") as tmp:
    for label, channels_last, batch, image in CASES:
        check(label, channels_last, batch, os.path.join(args.images, image), tmp)
    # a resize too small for the crop: the message names Python's argument, not the CLI's option
    plain = os.path.join(tmp, "plain.onnx")
    export(False, 1, plain)
    try:
        with onnx_lrp.Model(plain) as model:
            model.load_image(os.path.join(args.images, "rgba.png"), resize=42)
        said = "no error"
    except onnx_lrp.Error as e:
        said = str(e)
    report("load_image(resize=42): names resize=", "at least 48 (resize)" in said, said)
finish(passed, failed)
