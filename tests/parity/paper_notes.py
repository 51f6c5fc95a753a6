#!/usr/bin/python3
# otsuki2024 on a model without BatchNormalization nodes (BN folded by the exporter, as
# torch.onnx.export does by default) is not exactly the authors' method where a BN scale was
# negative (docs/method.md §5): the run must say so once on stderr and as "notes" in the JSON
# (explain --json, report.json, evaluate.json), with how to make a BN-kept export. A BN-kept
# model, and a zennit preset on any model, get no note.
import argparse
import json
import os
import tempfile

from parity_common import Bad, Checks, run_status, skip

ap = argparse.ArgumentParser(description="the otsuki2024 note on BN-folded exports")
ap.add_argument("--cli", required=True, help="path to the onnx-lrp executable")
ap.add_argument("--samples", required=True, help="samples/ (fashion-resnet{,-bn}.onnx, images/)")
args = ap.parse_args()
FOLDED = os.path.join(args.samples, "fashion-resnet.onnx")
KEPT = os.path.join(args.samples, "fashion-resnet-bn.onnx")
IMAGES = [os.path.join(args.samples, "images", n) for n in ("00-tshirt-0.png", "01-trouser-0.png")]
HOW = ("--bn keep", "TrainingMode.PRESERVE", "do_constant_folding=False")

try:
    import numpy as np
except ImportError:
    skip("numpy is not available")




def expect(good, detail):
    if not good:
        raise Bad(detail)
    return detail


def note_lines(stderr):
    return [l for l in stderr.splitlines() if "note:" in l and "BatchNormalization" in l]


def check_notes(notes, want, what):
    """notes: the JSON "notes" value (None when absent)."""
    if not want:
        return expect(not notes, "%s: unexpected notes %s" % (what, notes))
    expect(notes and len(notes) == 1, "%s: notes %s, want one" % (what, notes))
    missing = [h for h in HOW if h not in notes[0]]
    return expect(not missing, "%s: the note does not say %s" % (what, ", ".join(missing)))


def tensor_mode(tmp, model, preset, want):
    x = os.path.join(tmp, "x.npy")
    np.save(x, np.random.default_rng(6).standard_normal((2, 3, 64, 64)).astype(np.float32))
    code, out, err = run_status([args.cli, "explain", model, "--input-tensor", x, "--preset", preset,
                                 "--json", "--threads", "1"])
    expect(code == 0, "exit %s: %s" % (code, err.strip()))
    lines = note_lines(err)
    expect(len(lines) == (1 if want else 0), "%d note lines on stderr for 2 images" % len(lines))
    for rec in (json.loads(l) for l in out.splitlines() if l.strip()):
        check_notes(rec.get("notes"), want, "--json")
    return "stderr %d note line(s), --json notes %s" % (len(lines), "present" if want else "absent")


def image_mode(tmp, model, preset, want):
    out_dir = os.path.join(tmp, "out-" + preset + os.path.basename(model))
    code, _, err = run_status([args.cli, "explain", model] + IMAGES + ["--preset", preset, "-o", out_dir,
                                                                       "--threads", "2"])
    expect(code == 0, "exit %s: %s" % (code, err.strip()))
    lines = note_lines(err)
    expect(len(lines) == (1 if want else 0), "%d note lines on stderr for 2 images" % len(lines))
    with open(os.path.join(out_dir, "report.json")) as f:
        images = json.load(f)["images"]
    expect(len(images) == 2, "report.json has %d images" % len(images))
    for rec in images:
        check_notes(rec.get("notes"), want, "report.json")
    return "stderr %d note line(s), report.json notes %s" % (len(lines), "present" if want else "absent")


def evaluate(tmp):
    out_dir = os.path.join(tmp, "eval")
    methods = ["otsuki2024", "otsuki2024:symmetric", "epsilon-plus-flat"]
    code, _, err = run_status([args.cli, "evaluate", FOLDED, IMAGES[0], "--methods", ",".join(methods),
                               "--threads", "1", "-o", out_dir])
    expect(code == 0, "exit %s: %s" % (code, err.strip()))
    lines = note_lines(err)
    expect(len(lines) == 1, "%d note lines on stderr for two otsuki2024 methods" % len(lines))
    with open(os.path.join(out_dir, "evaluate.json")) as f:
        got = {m["method"]: m.get("notes") for m in json.load(f)["methods"]}
    for name in methods:
        check_notes(got[name], name.startswith("otsuki2024"), "evaluate.json " + name)
    return "stderr 1 note line; notes on the otsuki2024 methods only"


checks = Checks(52)
report = checks.report


with tempfile.TemporaryDirectory(prefix="onnx-lrp-notes-") as tmp:
    report("BN folded, otsuki2024, tensor mode: a note", tensor_mode, tmp, FOLDED, "otsuki2024", True)
    report("BN folded, otsuki2024, images: one note", image_mode, tmp, FOLDED, "otsuki2024", True)
    report("BN kept, otsuki2024, tensor mode: none", tensor_mode, tmp, KEPT, "otsuki2024", False)
    report("BN kept, otsuki2024, images: none", image_mode, tmp, KEPT, "otsuki2024", False)
    report("BN folded, epsilon-plus-flat, tensor mode: none", tensor_mode, tmp, FOLDED, "epsilon-plus-flat",
           False)
    report("BN folded, epsilon-plus, images: none", image_mode, tmp, FOLDED, "epsilon-plus", False)
    report("evaluate: once, on the otsuki2024 methods", evaluate, tmp)
checks.finish()
