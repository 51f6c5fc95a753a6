#!/usr/bin/python3
# Every subcommand with each invalid option value and each mis-matched auxiliary file (labels,
# labels CSV, model metadata), everything else valid: exit 2 before any work, a message whose
# first line names the culprit (option, file or metadata key), and no file written.
import argparse
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "parity"))
from parity_common import finish  # noqa: E402

ap = argparse.ArgumentParser(description="usage errors of every subcommand: exit 2, culprit named")
ap.add_argument("--cli", required=True, help="path to the onnx-lrp executable")
ap.add_argument("--samples", required=True, help="samples/ (the sample model and images)")
ap.add_argument("--golden", required=True, help="tests/golden (tiny-basic model and input)")
args = ap.parse_args()
cli = os.path.abspath(args.cli)
samples, golden = os.path.abspath(args.samples), os.path.abspath(args.golden)

import numpy as np  # noqa: E402
import onnx  # noqa: E402

model = os.path.join(samples, "fashion-resnet-bn.onnx")  # (N, 3, 64, 64), 10 classes
images = os.path.join(samples, "images")
image = os.path.join(images, "00-tshirt-0.png")
tiny = os.path.join(golden, "tiny-basic", "model.onnx")
tiny_x = os.path.join(golden, "tiny-basic", "input.npy")
tmp = tempfile.mkdtemp(prefix="bad-usage-")


def write(name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def with_metadata(name, key, value):
    """The sample model with one metadata_props entry replaced."""
    m = onnx.load(model)
    for p in m.metadata_props:
        if p.key == key:
            p.value = value
            break
    else:
        m.metadata_props.add(key=key, value=value)
    path = os.path.join(tmp, name)
    onnx.save(m, path)
    return path


x_gray = os.path.join(tmp, "x-gray.npy")  # one channel: the sample model takes three
np.save(x_gray, np.zeros((1, 1, 64, 64), np.float32))
x_nan, x_inf = os.path.join(tmp, "x-nan.npy"), os.path.join(tmp, "x-inf.npy")
x = np.load(tiny_x)
x[0, 1, 2, 3] = np.nan
np.save(x_nan, x)
x[0, 0, 0, 1] = np.inf
np.save(x_inf, x)
names10 = ["class%d" % i for i in range(10)]
short_labels = write("labels3.txt", "a\nb\nc\n")
long_labels = write("labels1000.txt", "".join("n%d\n" % i for i in range(1000)))
csv_text = write("text.csv", "00-tshirt-0.png,shirt\n")
csv_negative = write("negative.csv", "00-tshirt-0.png,-1\n")
csv_range = write("range.csv", "00-tshirt-0.png,10\n")
csv_none = write("none.csv", "not-an-input.png,3\n")
csv_malformed = write("malformed.csv", "00-tshirt-0.png,0\nno comma on this line\n")
meta_labels = with_metadata("meta-labels.onnx", "onnx_lrp.labels", "\n".join(names10[:3]))
meta_mean = with_metadata("meta-mean.onnx", "onnx_lrp.mean", "0.1,0.2")
meta_std = with_metadata("meta-std.onnx", "onnx_lrp.std", "0,0,0")
meta_crop = with_metadata("meta-crop.onnx", "onnx_lrp.crop", "big")
from onnx import numpy_helper  # noqa: E402
nan_model = onnx.load(tiny)
w = nan_model.graph.initializer[0]
weights = numpy_helper.to_array(w).copy()
weights.flat[3] = np.nan
w.CopyFrom(numpy_helper.from_array(weights, w.name))
nan_weights = os.path.join(tmp, "nan-weights.onnx")
onnx.save(nan_model, nan_weights)
a_file = write("plain-file", "not a folder\n")

EXPLAIN = ["explain", model, image]
TENSOR = ["explain", tiny, "--input-tensor", tiny_x]
EVALUATE = ["evaluate", model, image, "--methods", "random"]
FORWARD = ["forward", tiny, "--input-tensor", tiny_x]

# (label, argv, fragments the first stderr line must contain: one of each tuple)
CASES = []


def bad_values(prefix, label, option, values, frags=()):
    for v in values:
        CASES.append(("%s %s %s" % (label, option, v), prefix + [option, v], [option] + list(frags)))


for prefix, label in ((EXPLAIN, "explain"), (EVALUATE, "evaluate")):
    bad_values(prefix, label, "--resize", ["-1", "x", "1e9"])
    bad_values(prefix, label, "--crop", ["0", "64x", "axb"])
    bad_values(prefix, label, "--mean", ["", "a,b", "1,2,3,4,5", "0.1,0.2"])
    bad_values(prefix, label, "--std", ["0", "-1,1,1", "1,2"])
    bad_values(prefix, label, "--threads", ["0", "257", "two"])
    CASES += [
        (label + " metadata labels 3 names", [prefix[0], meta_labels] + prefix[2:],
         ["onnx_lrp.labels", "3", "10"]),
        (label + " metadata mean 2 values", [prefix[0], meta_mean] + prefix[2:], ["onnx_lrp.mean"]),
        (label + " metadata mean NaN", [prefix[0], with_metadata("meta-nan.onnx", "onnx_lrp.mean",
                                                                  "nan,nan,nan")] + prefix[2:],
         ["onnx_lrp.mean"]),
        (label + " metadata std 0", [prefix[0], meta_std] + prefix[2:], ["onnx_lrp.std"]),
        (label + " metadata crop", [prefix[0], meta_crop] + prefix[2:], ["onnx_lrp.crop"]),
        (label + " -o FILE", prefix + ["-o", a_file], [a_file]),
        (label + " unknown option", prefix + ["--frobnicate"], ["--frobnicate"]),
        (label + " missing model", [prefix[0], os.path.join(tmp, "none.onnx")] + prefix[2:],
         ["none.onnx"]),
    ]

CASES += [
    ("explain --labels MISSING", EXPLAIN + ["--labels", os.path.join(tmp, "nope.txt")], ["nope.txt"]),
    ("explain --labels 3 names", EXPLAIN + ["--labels", short_labels], [short_labels, "3", "10"]),
    ("explain --labels 1000 names", EXPLAIN + ["--labels", long_labels],
     [long_labels, "1000", "10"]),
    # evaluate names no classes: class names there would have no effect
    ("evaluate --labels", EVALUATE + ["--labels", short_labels], ["--labels"]),
]
bad_values(EXPLAIN, "explain", "--preset", ["bogus"], [("epsilon-plus-flat", "known")])
bad_values(EXPLAIN, "explain", "--split", ["bogus"])
bad_values(EXPLAIN, "explain", "--init", ["bogus"])
bad_values(EXPLAIN, "explain", "--target", ["-1", "x", "10", "1000000"])
bad_values(EXPLAIN, "explain", "--epsilon", ["-1", "nan", "x"])
bad_values(EXPLAIN, "explain", "--gamma", ["-1", "inf"])
bad_values(EXPLAIN, "explain", "--check-conservation", ["-1", "x"])
bad_values(EXPLAIN, "explain", "--colormap", ["rainbow"])
bad_values(EXPLAIN + ["-o", os.path.join(tmp, "o1")], "explain -o", "--overlay-alpha", ["2", "x"])
bad_values(EXPLAIN + ["-o", os.path.join(tmp, "o2")], "explain -o", "--quantize", ["1", "300"])
bad_values(EXPLAIN, "explain", "--topk", ["0", "x"])
CASES += [
    ("explain --alpha 3 --beta 1", EXPLAIN + ["--alpha", "3", "--beta", "1"], [("--alpha", "alpha")]),
    ("explain --target with --topk", EXPLAIN + ["--target", "3", "--topk", "3"],
     ["--target", "--topk"]),
    ("explain --resize below --crop", EXPLAIN + ["--resize", "32", "--crop", "64"],
     ["--resize", "32", "64"]),
    ("explain images and --input-tensor", EXPLAIN + ["--input-tensor", tiny_x], ["--input-tensor"]),
    ("explain --relevance-out in image mode", EXPLAIN + ["--relevance-out", "r.npy"],
     ["--relevance-out", "--save-relevance"]),
    ("explain --repeat in image mode", EXPLAIN + ["--repeat", "3"], ["--repeat"]),
    ("explain --colormap without -o", EXPLAIN + ["--colormap", "jet"], ["--colormap", "-o"]),
    ("explain --input-tensor MISSING", ["explain", tiny, "--input-tensor",
                                        os.path.join(tmp, "none.npy")], ["none.npy"]),
    ("explain tensor -o", TENSOR + ["-o", os.path.join(tmp, "o3")], ["-o"]),
    ("explain tensor --topk", TENSOR + ["--topk", "2"], ["--topk"]),
    ("explain tensor --crop", TENSOR + ["--crop", "64"], ["--crop"]),
    ("explain tensor --target 10", TENSOR + ["--target", "10"], ["--target", "10"]),
    ("explain tensor --repeat 0", TENSOR + ["--repeat", "0"], ["--repeat"]),
    ("explain tensor wrong channels", ["explain", model, "--input-tensor", x_gray],
     [(x_gray, model), "(1, 1, 64, 64)"]),
    ("explain tensor --relevance-out DIR", TENSOR + ["--relevance-out", a_file + "/r.npy"],
     ["r.npy"]),
    ("explain gradient --check-conservation", EXPLAIN + ["--preset", "gradient",
                                                         "--check-conservation", "1e-3"],
     ["--check-conservation", "gradient"]),
]

bad_values(EVALUATE, "evaluate", "--limit", ["0", "x"])
bad_values(EVALUATE, "evaluate", "--step", ["0", "-3"])
# 64x64 = 4096 pixels: with a step above 2048 every point of the curve shows the whole image
bad_values(EVALUATE, "evaluate", "--step", ["2049", "100000"], ["2048"])
bad_values(EVALUATE, "evaluate", "--batch", ["0", "x"])
CASES += [
    ("evaluate --methods bogus", ["evaluate", model, image, "--methods", "bogus"], ["bogus"]),
    ("evaluate --methods bad split", ["evaluate", model, image, "--methods", "otsuki2024:sideways"],
     ["sideways"]),
    ("evaluate --methods empty", ["evaluate", model, image, "--methods", ","], ["--methods"]),
    ("evaluate --labels-csv MISSING", EVALUATE + ["--labels-csv", os.path.join(tmp, "no.csv")],
     ["no.csv"]),
    ("evaluate --labels-csv text label", EVALUATE + ["--labels-csv", csv_text], [csv_text, "shirt"]),
    ("evaluate --labels-csv negative", EVALUATE + ["--labels-csv", csv_negative], [csv_negative]),
    ("evaluate --labels-csv label 10", EVALUATE + ["--labels-csv", csv_range], [csv_range, "10"]),
    ("evaluate --labels-csv names none", EVALUATE + ["--labels-csv", csv_none], [csv_none]),
    ("evaluate --labels-csv malformed", EVALUATE + ["--labels-csv", csv_malformed],
     [csv_malformed, "2"]),
]

bad_values(FORWARD, "forward", "--repeat", ["0", "x"])
bad_values(FORWARD, "forward", "--threads", ["0", "x"])
CASES += [
    ("forward --input-tensor MISSING", ["forward", tiny, "--input-tensor",
                                        os.path.join(tmp, "none.npy")], ["none.npy"]),
    ("forward --output-tensor DIR", FORWARD + ["--output-tensor", a_file + "/y.npy"], ["y.npy"]),
    ("forward wrong channels", ["forward", model, "--input-tensor", x_gray],
     [(x_gray, model), "(1, 1, 64, 64)"]),
    ("forward NaN input", ["forward", tiny, "--input-tensor", x_nan], [x_nan, "(0, 1, 2, 3)", "NaN"]),
    ("forward inf input", ["forward", tiny, "--input-tensor", x_inf], [x_inf, "(0, 0, 0, 1)", "inf"]),
    ("explain NaN input", ["explain", tiny, "--input-tensor", x_nan], [x_nan, "NaN"]),
    ("forward NaN weight", ["forward", nan_weights, "--input-tensor", tiny_x],
     [nan_weights, "'%s'" % w.name, "NaN"]),
    ("forward unknown option", FORWARD + ["--frobnicate"], ["--frobnicate"]),
    ("inspect unknown option", ["inspect", tiny, "--frobnicate"], ["--frobnicate"]),
    ("inspect missing model", ["inspect", os.path.join(tmp, "none.onnx")], ["none.onnx"]),
]
for cmd in (["inspect", tiny], FORWARD, TENSOR, EVALUATE):
    CASES += [("%s --max-memory %s" % (cmd[0], v), cmd + ["--max-memory", v], ["--max-memory"])
              for v in ("lots", "0", "-5G")]


def outputs_in(argv):
    """Files under the -o folder or at the output paths argv names (none may appear)."""
    found = []
    for flag in ("-o", "--output-dir", "--output-tensor", "--relevance-out"):
        if flag in argv:
            p = argv[argv.index(flag) + 1]
            if os.path.isdir(p) and p != a_file:
                found += [os.path.join(p, f) for f in os.listdir(p)]
            elif os.path.isfile(p) and p != a_file:
                found.append(p)
    return found


def verdict(argv, frags):
    try:
        p = subprocess.run([cli] + argv, capture_output=True, timeout=120, cwd=tmp)
    except (OSError, subprocess.TimeoutExpired) as e:
        return "FAIL (did not finish: %s)" % e
    err = p.stderr.decode("utf-8", "replace")
    first = (err.strip().splitlines() or [""])[0]
    if p.returncode < 0:
        return "FAIL (killed by signal %d)" % -p.returncode
    if p.returncode != 2:
        return "FAIL (exit %d, want 2: %s)" % (p.returncode, first or "(no stderr)")
    missing = [f for f in frags if not any(a in first for a in (f if isinstance(f, tuple) else (f,)))]
    if missing:
        return "FAIL (first line lacks %s: %s)" % (" / ".join(map(repr, missing)), first)
    written = outputs_in(argv)
    if written:
        return "FAIL (wrote %s)" % ", ".join(written)
    return "%s  PASS" % first[:110]


passed = failed = 0
for label, argv, frags in CASES:
    v = verdict(argv, frags)
    print("%-44s %s" % (label, v))
    passed += v.endswith("PASS")
    failed += not v.endswith("PASS")
finish(passed, failed)
