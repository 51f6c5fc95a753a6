#!/usr/bin/python3
# Auxiliary files and options that used to be misread without a word (issue 12: cases 2, 3, 7
# and the option frictions): evaluate --labels-csv, class-name files of the wrong length,
# --relevance-out / --save-relevance, --quantize without a value, preset names, -o a/b/c,
# options that have no effect in the mode given, and output stems of same-named inputs.
# Each check runs the sample model (10 classes, (N, 3, 64, 64)) on samples/images.
import argparse
import json
import os
import shutil
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from parity_common import finish, run_status  # noqa: E402

ap = argparse.ArgumentParser(description="onnx-lrp must refuse or honour every auxiliary file "
                             "and option, never ignore it")
ap.add_argument("--cli", required=True, help="path to the onnx-lrp executable")
ap.add_argument("--samples", required=True, help="the samples/ folder (model, images, labels)")
args = ap.parse_args()

MODEL = os.path.join(args.samples, "fashion-resnet-bn.onnx")
IMAGES = os.path.join(args.samples, "images")
CLASSES = 10
TSHIRT = os.path.join(IMAGES, "00-tshirt-0.png")   # predicted 0 (T-shirt/top)
TROUSER = os.path.join(IMAGES, "01-trouser-0.png")  # predicted 1 (Trouser)

passed = failed = 0


def report(label, ok, detail=""):
    global passed, failed
    print("%-66s %s%s" % (label, "PASS" if ok else "FAIL", "" if ok else "  (%s)" % detail))
    passed += bool(ok)
    failed += not ok


def cli(*argv):
    code, out, err = run_status([args.cli] + [str(a) for a in argv], timeout=300)
    return code, out, err


def first_line(err):
    return (err.strip().splitlines() or ["(no stderr)"])[0]


def refused(label, argv, fragments, must_not_exist=()):
    """Exit 2, the first stderr line names every fragment, and no output was left."""
    code, out, err = cli(*argv)
    line = first_line(err)
    gone = [f for f in fragments if f not in line]
    left = [p for p in must_not_exist if os.path.exists(p)]
    report(label, code == 2 and not gone and not left,
           "exit %s, missing %s, left %s: %s" % (code, gone, left, line))


def write(path, text):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    return path


def evaluate(tmp, inputs, *extra):
    return cli("evaluate", MODEL, *inputs, "--methods", "random", *extra)


# ---------------------------------------------------------------- case 2: --labels-csv
def check_labels_csv(tmp):
    out = os.path.join(tmp, "eval-bad")
    base = os.path.basename
    bad = {
        "missing file": (os.path.join(tmp, "nope.csv"), ["nope.csv"]),
        "label not a number (line 3)": (
            write(os.path.join(tmp, "word.csv"), "file,label\n%s,0\n%s,trouser\n"
                  % (base(TSHIRT), base(TROUSER))), ["word.csv:3", "trouser"]),
        "malformed line (line 2, no comma)": (
            write(os.path.join(tmp, "nocomma.csv"), "file,label\n%s 0\n" % base(TSHIRT)),
            ["nocomma.csv:2"]),
        "negative label (line 1, no header)": (
            write(os.path.join(tmp, "neg.csv"), "%s,-1\n%s,1\n" % (base(TSHIRT), base(TROUSER))),
            ["neg.csv:1", "-1"]),
        "label 10 of 10 classes (line 2)": (
            write(os.path.join(tmp, "big.csv"), "file,label\n%s,10\n" % base(TSHIRT)),
            ["big.csv:2", "10 classes"]),
        "one file, two labels (lines 2 and 4)": (
            write(os.path.join(tmp, "dup.csv"), "file,label\n%s,0\n%s,1\nother/%s,3\n"
                  % (base(TSHIRT), base(TROUSER), base(TSHIRT))), ["dup.csv:4", "line 2"]),
        "names none of the inputs": (
            write(os.path.join(tmp, "none.csv"), "file,label\nzebra.png,1\n"), ["none.csv"]),
    }
    for what, (csv, frags) in bad.items():
        refused("evaluate --labels-csv, %s: exit 2 before any work" % what,
                ["evaluate", MODEL, TSHIRT, TROUSER, "--methods", "random", "--labels-csv", csv,
                 "-o", out], frags, [os.path.join(out, "evaluate.json")])

    # an image with no row: that image fails (named), the other is scored with the CSV's label
    csv = write(os.path.join(tmp, "one.csv"), "file,label\n%s,3\n" % base(TSHIRT))
    out = os.path.join(tmp, "eval-one")
    code, stdout, err = evaluate(tmp, [TSHIRT, TROUSER], "--labels-csv", csv, "-o", out)
    try:
        with open(os.path.join(out, "evaluate.json")) as f:
            images = [(base(i["file"]), i["label"], i["predicted"]) for i in json.load(f)["images"]]
    except (OSError, ValueError, KeyError) as e:
        images = str(e)
    report("evaluate, an image without a CSV row: reported, exit 1, the other labelled 3",
           code == 1 and base(TROUSER) in err and images == [(base(TSHIRT), 3, 0)],
           "exit %s, images %s: %s" % (code, images, first_line(err)))

    # labels from the CSV: one right (0), one wrong (5): accuracy 50%, and no fallback note
    csv = write(os.path.join(tmp, "half.csv"), "\ufeff%s,0\r\nimages/%s , 5\r\n"
                % (base(TSHIRT), base(TROUSER)))
    code, stdout, err = evaluate(tmp, [TSHIRT, TROUSER], "--labels-csv", csv)
    report("evaluate --labels-csv (BOM, CRLF, folders): accuracy 50.0% (1/2), no note",
           code == 0 and "accuracy 50.0% (1/2)" in stdout and "prediction" not in stdout,
           "exit %s: %s" % (code, stdout.strip().splitlines()[-1:] or first_line(err)))
    code, stdout, err = evaluate(tmp, [TSHIRT])
    report("evaluate without --labels-csv: the note says the label is the prediction",
           code == 0 and "the label is the prediction" in stdout, "exit %s" % code)


# ---------------------------------------------------------------- case 3: class names
def model_with_labels(tmp, names):
    import onnx
    m = onnx.load(MODEL)
    for p in list(m.metadata_props):
        if p.key == "onnx_lrp.labels":
            m.metadata_props.remove(p)
    m.metadata_props.add(key="onnx_lrp.labels", value="\n".join(names))
    path = os.path.join(tmp, "labels-%d.onnx" % len(names))
    onnx.save(m, path)
    return path


def check_class_names(tmp):
    imagenet = os.path.join(args.samples, "imagenet_classes.txt")
    refused("explain --labels with 1000 names, 10 classes: exit 2 naming both counts",
            ["explain", MODEL, TSHIRT, "--labels", imagenet], ["imagenet_classes.txt", "1000", "10"])
    with open(os.path.join(args.samples, "fashion_mnist_labels.txt")) as f:
        names = f.read().split("\n")[:CLASSES]
    nine = write(os.path.join(tmp, "nine.txt"), "\n".join(names[:9]) + "\n")
    refused("explain --labels with 9 names, 10 classes: exit 2 naming both counts",
            ["explain", MODEL, TSHIRT, "--labels", nine], ["nine.txt", "9", "10"])
    gap = write(os.path.join(tmp, "gap.txt"), "\n".join(names[:4] + [""] + names[4:]) + "\n")
    refused("explain --labels with an empty line 5: exit 2 naming the line",
            ["explain", MODEL, TSHIRT, "--labels", gap], ["gap.txt", "line 5"])
    ten = write(os.path.join(tmp, "ten.txt"), "\n".join("name-%d" % k for k in range(CLASSES)) +
                "\r\n\n")
    code, out, err = cli("explain", MODEL, TROUSER, "--labels", ten)
    report("explain --labels with 10 names (and blank lines at the end): trouser is name-1",
           code == 0 and "name-1 (p " in out, "exit %s: %s" % (code, out.strip() or first_line(err)))
    try:
        three = model_with_labels(tmp, ["a", "b", "c"])
    except ImportError:
        print("%-66s SKIP (no python3-onnx)" % "metadata onnx_lrp.labels of 3 names")
        return
    refused("explain, metadata onnx_lrp.labels of 3 names: exit 2 naming key and counts",
            ["explain", three, TSHIRT], ["onnx_lrp.labels", "3", "10"])
    refused("evaluate, metadata onnx_lrp.labels of 3 names: exit 2 naming key and counts",
            ["evaluate", three, TSHIRT, "--methods", "random"], ["onnx_lrp.labels", "3", "10"])


# ---------------------------------------------------------------- case 7: relevance files
def check_relevance_out(tmp):
    out = os.path.join(tmp, "rel-img")
    rel = os.path.join(tmp, "rel.npy")
    refused("explain images --relevance-out rel.npy: exit 2 naming --save-relevance",
            ["explain", MODEL, TSHIRT, "-o", out, "--relevance-out", rel], ["--save-relevance"],
            [rel, os.path.join(out, "report.json")])
    refused("explain images -o DIR --relevance-out (old flag): exit 2 naming --save-relevance",
            ["explain", MODEL, TSHIRT, "-o", out, "--relevance-out"], ["--save-relevance"],
            [os.path.join(out, "report.json")])
    code, stdout, err = cli("explain", MODEL, TSHIRT, "-o", out, "--save-relevance", "--json")
    path = os.path.join(out, "00-tshirt-0.relevance.npy")
    try:
        r = np.load(path)
        want = json.loads(stdout.splitlines()[0])["input_relevance_sum"]
        ok = r.shape == (3, 64, 64) and r.dtype == np.float32 and \
            abs(float(r.astype(np.float64).sum()) - want) <= 1e-4 * max(1.0, abs(want))
        detail = "shape %s %s, sum %g vs input_relevance_sum %g" % (r.shape, r.dtype, r.sum(), want)
    except (OSError, ValueError, IndexError, KeyError) as e:
        ok, detail = False, "exit %s: %s / %s" % (code, e, first_line(err))
    report("explain images --save-relevance: <stem>.relevance.npy sums to R_in", code == 0 and ok,
           detail)


# ---------------------------------------------------------------- frictions
def png_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def check_quantize(tmp):
    runs = {}
    for name, argv in (("bare-end", ["-o", "{d}", "--quantize"]),
                       ("bare-before-image", ["--quantize", TSHIRT, "-o", "{d}"]),
                       ("8", ["-o", "{d}", "--quantize", "8"]),
                       ("=4", ["-o", "{d}", "--quantize=4"]),
                       ("none", ["-o", "{d}"])):
        d = os.path.join(tmp, "q-" + name)
        argv = [a.replace("{d}", d) for a in argv]
        images = [] if TSHIRT in argv else [TSHIRT]
        code, _, err = cli("explain", MODEL, *images, *argv)
        try:
            runs[name] = png_bytes(os.path.join(d, "00-tshirt-0.heatmap.png")) if code == 0 else None
        except OSError:
            runs[name] = None
        if code != 0:
            print("  --quantize %s: exit %s: %s" % (name, code, first_line(err)))
    report("explain -o DIR --quantize (at the end) == --quantize 8",
           runs["8"] is not None and runs["bare-end"] == runs["8"], "see above")
    report("explain --quantize IMAGE -o DIR: 8 levels, IMAGE is an input",
           runs["8"] is not None and runs["bare-before-image"] == runs["8"], "see above")
    report("explain --quantize=4 and no --quantize differ from 8 levels",
           None not in (runs["=4"], runs["none"], runs["8"]) and
           len({runs["=4"], runs["none"], runs["8"]}) == 3, "see above")
    refused("explain --quantize 1: exit 2 (2 to 256 levels)",
            ["explain", MODEL, TSHIRT, "-o", os.path.join(tmp, "q1"), "--quantize", "1"],
            ["--quantize", "'1'"])


def check_presets(tmp):
    code, out, _ = cli("explain", "--help")
    want = ["epsilon-plus-flat", "epsilon-plus", "epsilon-alpha2-beta1", "epsilon-gamma-box",
            "otsuki2024", "gradient", "gradient-x-input", "grad-cam", "EpsilonPlusFlat",
            "EpsilonPlus", "EpsilonAlpha2Beta1", "EpsilonGammaBox", "Gradient"]
    report("explain --help lists every preset and zennit's names",
           code == 0 and all(w in out for w in want), "missing %s" % [w for w in want if w not in out])
    x = os.path.join(tmp, "x.npy")
    np.save(x, np.random.default_rng(12).standard_normal((2, 3, 64, 64)).astype(np.float32))
    for ours, zennit in (("epsilon-plus-flat", "EpsilonPlusFlat"), ("epsilon-plus", "EpsilonPlus"),
                         ("epsilon-alpha2-beta1", "EpsilonAlpha2Beta1"),
                         ("epsilon-gamma-box", "EpsilonGammaBox"), ("gradient", "Gradient")):
        maps = []
        for name in (ours, zennit):
            r = os.path.join(tmp, "r-%s.npy" % name)
            code, _, err = cli("explain", MODEL, "--input-tensor", x, "--preset", name,
                               "--relevance-out", r)
            maps.append(np.load(r) if code == 0 and os.path.exists(r) else None)
        report("--preset %s gives the relevance of %s" % (zennit, ours),
               maps[1] is not None and maps[0] is not None and np.array_equal(maps[0], maps[1]),
               first_line(err))
    nowhere = os.path.join(tmp, "no-such-model.onnx")
    refused("explain --preset nope: refused before the model, with the list",
            ["explain", nowhere, TSHIRT, "--preset", "nope"], ["'nope'", "grad-cam", "EpsilonPlusFlat"])
    refused("evaluate --methods nope: refused before the model, with the list",
            ["evaluate", nowhere, TSHIRT, "--methods", "random,nope+hq"], ["'nope'", "grad-cam"])
    code, out, err = cli("evaluate", MODEL, TSHIRT, "--methods", "EpsilonPlusFlat,Gradient")
    report("evaluate --methods EpsilonPlusFlat,Gradient: accepted", code == 0 and
           "EpsilonPlusFlat" in out, "exit %s: %s" % (code, first_line(err)))


def check_output_parents(tmp):
    d = os.path.join(tmp, "deep", "a", "b")
    code, _, err = cli("explain", MODEL, TSHIRT, "-o", d)
    report("explain -o a/b/c: missing parents made",
           code == 0 and os.path.isfile(os.path.join(d, "report.json")), first_line(err))
    d = os.path.join(tmp, "deeper", "a", "b")
    code, _, err = evaluate(tmp, [TSHIRT], "-o", d)
    report("evaluate -o a/b/c: missing parents made",
           code == 0 and os.path.isfile(os.path.join(d, "evaluate.json")), first_line(err))
    blocker = write(os.path.join(tmp, "file"), "")
    refused("explain -o FILE/sub: exit 2 naming the folder", ["explain", MODEL, TSHIRT, "-o",
            os.path.join(blocker, "sub")], [blocker])


def check_no_effect(tmp):
    x = os.path.join(tmp, "x1.npy")
    np.save(x, np.zeros((1, 3, 64, 64), np.float32))
    tensor = ["explain", MODEL, "--input-tensor", x]
    for opt in (["-o", os.path.join(tmp, "t-out")], ["--output-dir", os.path.join(tmp, "t-out")],
                ["--topk", "3"], ["--colormap", "jet"], ["--positive"], ["--overlay-alpha", "0.5"],
                ["--quantize", "8"], ["--resize", "72"], ["--crop", "64"],
                ["--labels", os.path.join(args.samples, "fashion_mnist_labels.txt")],
                ["--save-relevance"]):
        refused("explain --input-tensor %s: refused" % opt[0], tensor + opt,
                [opt[0], "--input-tensor"], [os.path.join(tmp, "t-out")])
    # --mean and --std are not image-only: they also set the zbox bounds (zbox-bounds tests it)
    images = ["explain", MODEL, TSHIRT]
    for opt in (["--colormap", "jet"], ["--positive"], ["--overlay-alpha", "0.5"], ["--quantize", "4"],
                ["--save-relevance"]):
        refused("explain IMAGE %s without -o: refused" % opt[0], images + opt, [opt[0], "-o"])
    refused("explain IMAGE --repeat 3: refused", images + ["--repeat", "3"], ["--repeat"])
    refused("explain IMAGE --topk 12 (10 classes): refused before any image",
            images + ["--topk", "12"], ["--topk 12", "10 classes"])
    refused("explain IMAGE --target 10 (10 classes): exit 2 before any image",
            images + ["--target", "10"], ["--target 10", "10 classes"])
    refused("explain IMAGE --topk 2 --target 3: refused (which classes?)",
            images + ["--topk", "2", "--target", "3"], ["--topk", "--target"])
    refused("evaluate --labels (no class names printed): refused",
            ["evaluate", MODEL, TSHIRT, "--methods", "random", "--labels",
             os.path.join(args.samples, "fashion_mnist_labels.txt")], ["--labels"])


def check_stems(tmp):
    """a/cat.png, b/cat.png, cat-2.png: three sets of files, each the picture of its own input."""
    src = os.path.join(tmp, "stems")
    files = [os.path.join(src, "a", "cat.png"), os.path.join(src, "b", "cat.png"),
             os.path.join(src, "cat-2.png")]
    for f, image in zip(files, (TSHIRT, TROUSER, os.path.join(IMAGES, "07-sneaker-0.png"))):
        os.makedirs(os.path.dirname(f), exist_ok=True)
        shutil.copy(image, f)
    out = os.path.join(tmp, "stems-out")
    code, _, err = cli("explain", MODEL, *files, "-o", out)
    try:
        with open(os.path.join(out, "report.json")) as f:
            mapping = {i["file"]: i["outputs"]["heatmap"] for i in json.load(f)["images"]}
    except (OSError, ValueError, KeyError) as e:
        mapping = {"error": str(e)}
    bad = []
    for k, f in enumerate(files):
        solo = os.path.join(tmp, "stems-solo-%d" % k)
        cli("explain", MODEL, f, "-o", solo)
        stem = os.path.splitext(os.path.basename(f))[0]
        try:
            same = png_bytes(mapping[f]) == png_bytes(os.path.join(solo, stem + ".heatmap.png"))
        except (OSError, KeyError) as e:
            same = "%s" % e
        if same is not True:
            bad.append("%s -> %s: %s" % (f, mapping.get(f), same))
    report("same-named inputs: report.json maps each to its own, distinct heatmap",
           code == 0 and len(set(mapping.values())) == 3 and not bad,
           "exit %s, %s, %s" % (code, sorted(mapping.values()), bad))


if not os.path.isfile(args.cli):
    raise SystemExit("error: %s not found" % args.cli)
with tempfile.TemporaryDirectory(prefix="onnx-lrp-aux-files-") as tmp:
    for check in (check_labels_csv, check_class_names, check_relevance_out, check_quantize,
                  check_presets, check_output_parents, check_no_effect, check_stems):
        check(tmp)
finish(passed, failed)
