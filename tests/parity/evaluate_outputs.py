#!/usr/bin/python3
# evaluate's comparison outputs (issue 16) on the sample model: --methods table1 and
# table2 stand for the documented rows; the paired comparison (ID difference per image,
# its standard error, the sign test) equals numpy's from the per-image values; the
# Fig. 5 values (Σ R_in, p per image) and conservation.svg; the passes per image of the
# multipass methods in closed form; timing.json; --patch.
import argparse
import glob
import json
import math
import os
import re
import tempfile

from parity_common import Bad, Checks, run, run_status, skip

try:
    import numpy as np
except ImportError:
    skip("numpy is not available")

ap = argparse.ArgumentParser(description="evaluate: tables, paired comparison, Fig. 5, cost")
ap.add_argument("--cli", required=True)
ap.add_argument("--samples", required=True)
args = ap.parse_args()

MODEL = os.path.join(args.samples, "fashion-resnet.onnx")
IMAGES = sorted(glob.glob(os.path.join(args.samples, "images", "*.png")))
TABLE1 = ["otsuki2024+hq", "epsilon", "integrated-gradients", "guided-backprop", "grad-cam",
          "score-cam", "random"]
TABLE2 = ["otsuki2024+hq", "otsuki2024:symmetric-projection-only+hq", "otsuki2024:symmetric+hq",
          "otsuki2024:ratio-projection-only+hq"]
# cheap settings: the model's 64 x 64 inputs (metadata onnx_lrp.crop), occlusion windows
# of 20 at stride 20: offsets 0, 20, 40, 60 per axis = 16 windows
OPTS = ["--ig-steps", "8", "--rise-masks", "40", "--occlusion-window", "20",
        "--occlusion-stride", "20"]


def evaluate(tmp, name, methods, images, extra=()):
    out = os.path.join(tmp, name)
    ok, stdout, err = run([args.cli, "evaluate", MODEL] + images + ["--methods", methods, "-o",
                                                                     out] + list(extra))
    if not ok:
        raise Bad("evaluate --methods %s failed: %s" % (methods, err.strip()[-300:]))
    with open(os.path.join(out, "evaluate.json")) as f:
        return json.load(f), stdout, out


def check_tables(tmp):
    doc1, _, _ = evaluate(tmp, "t1", "table1", IMAGES[:1])
    doc2, _, _ = evaluate(tmp, "t2", "table2", IMAGES[:1])
    got1 = [m["method"] for m in doc1["methods"]]
    got2 = [m["method"] for m in doc2["methods"]]
    if got1 != TABLE1 or got2 != TABLE2:
        raise Bad("table1 %s, table2 %s" % (got1, got2))
    return "table1: %d rows, table2: %d rows" % (len(got1), len(got2))


def sign_p(w, l):
    m, k = w + l, min(w, l)
    return 1.0 if m == 0 else min(1.0, 2 * sum(math.comb(m, i) for i in range(k + 1)) / 2 ** m)


def check_paired(doc, stdout):
    ms = doc["methods"]
    ids = [np.array(m["per_image_insertion"]) - np.array(m["per_image_deletion"]) for m in ms]
    worst, lines = 0.0, 0
    for k, p in enumerate(doc["paired"], start=1):
        d = ids[0] - ids[k]
        w, l, t = int((d > 0).sum()), int((d < 0).sum()), int((d == 0).sum())
        if (p["first"], p["other"]) != (ms[0]["method"], ms[k]["method"]) or \
                (p["wins"], p["losses"], p["ties"]) != (w, l, t):
            raise Bad("pair %d: %s" % (k, p))
        worst = max(worst, abs(p["id_difference"] - d.mean()),
                    abs(p["id_difference_se"] - d.std(ddof=1) / math.sqrt(len(d))),
                    abs(p["sign_test_p"] - sign_p(w, l)))
        lines += bool(re.search(r"vs %s\s+[+-]\d\.\d{3} ± \d\.\d{3}  wins %d, losses %d"
                                % (re.escape(ms[k]["method"]), w, l), stdout))
    if len(doc["paired"]) != len(ms) - 1 or worst > 1e-12 or lines != len(ms) - 1:
        raise Bad("%d pairs, %d table lines, max diff %.1e" % (len(doc["paired"]), lines, worst))
    return "%d pairs = numpy's, max diff %.1e" % (lines, worst)


def check_fig5(doc, out):
    ours = doc["methods"][0]
    s, p = np.array(ours["per_image_input_relevance"]), np.array(ours["per_image_probability"])
    cons = np.array(ours["conservation_error"])
    if len(s) != len(doc["images"]) or np.abs((s - p) / p - cons).max() > 1e-9:
        raise Bad("Σ R_in and p do not give the conservation error")
    if np.abs(s - p).max() > 0.1:  # method §5: the sum is p up to small leaks
        raise Bad("otsuki2024: |Σ R_in - p| up to %.3f" % np.abs(s - p).max())
    for m in doc["methods"][1:]:
        if "per_image_input_relevance" in m and m["conservation_error"] is None:
            raise Bad("%s: Fig. 5 values without conservation" % m["method"])
    svg = open(os.path.join(out, "conservation.svg")).read()
    # the rule-table methods only: integrated-gradients' completeness is in logits
    with_values = [m for m in doc["methods"] if "per_image_input_relevance" in m and
                   m["method"] != "integrated-gradients"]
    dots = svg.count("<circle")
    if dots != len(with_values) * (len(doc["images"]) + 1) or "stroke-dasharray" not in svg:
        raise Bad("conservation.svg: %d dots for %d methods x %d images + legend"
                  % (dots, len(with_values), len(doc["images"])))
    return "%d images, max |Σ R_in - p| %.3f, svg %d dots" % (len(s), np.abs(s - p).max(), dots)


def check_cost(doc, out):
    # the multipass methods: the prediction's forward, then their own passes
    # (no gradient pass for the preset behind them, which they would discard)
    want = {"otsuki2024+hq": (1, 1), "integrated-gradients": (1 + 9, 8),
            "rise": (1 + 40, 0), "occlusion": (1 + 16, 0), "random": (0, 0)}
    got = {m["method"]: (m["forwards_per_image"], m["backwards_per_image"])
           for m in doc["methods"]}
    if got != want:
        raise Bad("passes per image %s, want %s" % (got, want))
    with open(os.path.join(out, "timing.json")) as f:
        timing = {m["method"]: m for m in json.load(f)["methods"]}
    slow = [n for n in want if n != "random" and not timing[n]["seconds_per_image"] > 0]
    if slow or timing["random"]["seconds_per_image"] != 0:
        raise Bad("timing.json: no positive seconds for %s" % slow)
    # each method made ready before its first image (warm-up), reported apart
    setup = {n: timing[n].get("setup_seconds") for n in want}
    if not all(isinstance(v, (int, float)) and v >= 0 for v in setup.values()) or setup["random"]:
        raise Bad("timing.json: setup_seconds %s" % setup)
    return "passes as counted by hand: %s" % sorted(got.items())


def check_patch(tmp):
    """--patch 4 on 64 x 64: 256 patches, 3 a step (ceil(256/100)) = 48 pixels, 86 points;
    the patch numbers themselves are test_insdel.c's hand case. --patch 3 does not tile."""
    doc, stdout, out = evaluate(tmp, "patch", "gradient-x-input", IMAGES[:1], ["--patch", "4"])
    with open(os.path.join(out, "evaluate.json")) as f:
        doc = json.load(f)
    svg_points = open(os.path.join(out, "curves.svg")).read().count(",")
    if doc["patch"] != 4 or doc["step"] != 48 or "(3 patches of 4x4)" not in stdout:
        raise Bad("patch %s, step %s: %s" % (doc["patch"], doc["step"], stdout.splitlines()[2]))
    code, _, err = run_status([args.cli, "evaluate", MODEL, IMAGES[0], "--patch", "3"])
    lines = err.strip().splitlines()
    if code != 2 or len(lines) != 1 or "--patch 3" not in err or "64x64" not in err:
        raise Bad("--patch 3: exit %s, %r" % (code, err))
    return "step 48 pixels = 3 patches, --patch 3 refused (%d svg coords)" % svg_points


def main():
    checks = Checks(width=66)
    with tempfile.TemporaryDirectory() as tmp:
        checks.report("--methods table1 and table2: the documented rows", check_tables, tmp)
        checks.report("--patch 4: steps of whole patches; --patch 3 refused", check_patch, tmp)
        state = {}

        def run_mixed():
            state["doc"], state["stdout"], state["out"] = evaluate(
                tmp, "mix", "otsuki2024+hq,integrated-gradients,rise,occlusion,random",
                IMAGES[:6], OPTS)
            return "exit 0"
        checks.report("evaluate 6 images, 5 methods", run_mixed)
        if "doc" in state:
            checks.report("paired comparison: numpy's from the per-image IDs", check_paired,
                          state["doc"], state["stdout"])
            checks.report("Fig. 5: per-image Σ R_in and p, conservation.svg", check_fig5,
                          state["doc"], state["out"])
            checks.report("passes per image (closed form) and timing.json", check_cost,
                          state["doc"], state["out"])
    checks.finish()


main()
