#!/usr/bin/python3
# evaluate's curves do not depend on how their inputs are batched (issue 13): on the sample
# model, --batch 1, 5 and 16 give per-image Insertion and Deletion within 1e-6 on both
# backends; --threads 1 and 2 give the same evaluate.json bytes; a heat-quantized (+hq)
# method runs at most 2 x its 8 levels of inputs per image, a random map all 2 x 100.
import argparse
import filecmp
import glob
import json
import os
import tempfile

from parity_common import Bad, Checks, run, skip

ap = argparse.ArgumentParser(description="evaluate: batching and threads change no result")
ap.add_argument("--cli", required=True)
ap.add_argument("--samples", required=True)
args = ap.parse_args()

MODEL = os.path.join(args.samples, "fashion-resnet.onnx")
IMAGES = sorted(glob.glob(os.path.join(args.samples, "images", "*.png")))[:1]
METHODS = "otsuki2024+hq,gradient,random"
if not os.path.isfile(MODEL) or not IMAGES:
    skip("no sample model or images under %s" % args.samples)


def evaluate(tmp, name, extra):
    out = os.path.join(tmp, name)
    ok, _, err = run([args.cli, "evaluate", MODEL] + IMAGES + ["--methods", METHODS, "-o", out] +
                     extra)
    if not ok:
        raise Bad("evaluate %s failed: %s" % (" ".join(extra), err.strip()[-300:]))
    with open(os.path.join(out, "evaluate.json")) as f, \
            open(os.path.join(out, "timing.json")) as g:
        return out, json.load(f), json.load(g)


def verdict(ok, detail):
    if not ok:
        raise Bad(detail)
    return detail


def aucs(doc):
    return {(m["method"], key, i): v for m in doc["methods"]
            for key in ("per_image_insertion", "per_image_deletion")
            for i, v in enumerate(m[key])}


def same_aucs(a, b, tol=1e-6):
    x, y = aucs(a), aucs(b)
    worst = max(abs(x[k] - y[k]) for k in x) if x.keys() == y.keys() else float("inf")
    return verdict(worst <= tol, "largest difference %.3g over %d AUCs" % (worst, len(x)))


def curve_forwards(timing, method):
    return next(m.get("curve_forwards_per_image") for m in timing["methods"]
                if m["method"] == method)


_, version, _ = run([args.cli, "--version"])
backends = [b for b in ("dnnl", "openblas") if b in version.split("backends:")[-1].split("(")[0]]
print("backends: %s" % ", ".join(backends))
c = Checks(width=66)
with tempfile.TemporaryDirectory() as tmp:
    for backend in backends:
        extra = ["--backend", backend]
        out16, doc16, timing = evaluate(tmp, backend + "-b16", extra + ["--threads", "2"])
        _, doc1, _ = evaluate(tmp, backend + "-b1", extra + ["--batch", "1"])
        _, doc5, _ = evaluate(tmp, backend + "-b5", extra + ["--batch", "5", "--threads", "1"])
        out_t1, _, _ = evaluate(tmp, backend + "-t1", extra + ["--threads", "1"])
        c.report("%s: --batch 1 and 16, per-image AUCs within 1e-6" % backend, same_aucs,
                 doc1, doc16)
        c.report("%s: --batch 5 and 16, per-image AUCs within 1e-6" % backend, same_aucs,
                 doc5, doc16)
        c.report("%s: --threads 1 and 2, evaluate.json identical" % backend,
                 lambda: verdict(filecmp.cmp(os.path.join(out16, "evaluate.json"),
                                             os.path.join(out_t1, "evaluate.json"),
                                             shallow=False), ""))
        hq, rnd = curve_forwards(timing, "otsuki2024+hq"), curve_forwards(timing, "random")
        c.report("%s: otsuki2024+hq's curves run <= 16 inputs per image" % backend,
                 lambda: verdict(isinstance(hq, (int, float)) and 2 <= hq <= 16, "%s" % hq))
        c.report("%s: random's curves run 2 x 100 inputs per image" % backend,
                 lambda: verdict(rnd == 200, "%s" % rnd))
c.finish()
