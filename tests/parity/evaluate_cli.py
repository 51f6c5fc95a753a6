#!/usr/bin/python3
# `onnx-lrp evaluate` end to end on tests/eval/region.onnx, whose output depends only on a 3x3 region R:
# table, evaluate.json, curves.svg, gradient-x-input against the closed form (and the forwards its
# curves need), random's floor, determinism, bad input.
import argparse
import filecmp
import glob
import json
import math
import os
import re
import shutil
import sys
import tempfile

from parity_common import finish, run_status, skip

try:
    import numpy as np
    from PIL import Image
except ImportError:
    skip("numpy or PIL is not available")

ap = argparse.ArgumentParser(description="onnx-lrp evaluate on a toy model with a known answer")
ap.add_argument("--cli", required=True)
ap.add_argument("--eval-dir", required=True, help="tests/eval: region.onnx, region_images/")
ap.add_argument("--fixtures", required=True)
args = ap.parse_args()

MODEL = os.path.join(args.eval_dir, "region.onnx")
IMAGES = os.path.join(args.eval_dir, "region_images")
LABELS = os.path.join(IMAGES, "labels.csv")
if not os.path.isfile(args.cli):
    skip("no CLI at %s" % args.cli)
if not os.path.isfile(MODEL):
    sys.exit("error: %s is missing (run tests/eval/gen_region_model.py)" % MODEL)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.abspath(args.eval_dir))
import gen_region_model as gen  # noqa: E402  (the model's constants and the image generator)

METHODS = ["gradient-x-input", "random", "otsuki2024+hq", "epsilon-plus-flat"]
# The model's input is a fixed 8x8: without --resize the CLI keeps ImageNet's 256/224 ratio
# (resize to 9, then crop 8), and --crop 8 alone gives resize 9 too; --resize 0 means no resize.
# --resize 8 on an 8x8 image skips resampling, so the model sees the PNG's pixels.
PRE = ["--resize", "8", "--crop", "8", "--mean", "0", "--std", "1"]
R = gen.region_mask().ravel() > 0
TOL = 1e-5
passed = failed = 0


def report(label, ok, detail=""):
    global passed, failed
    print("%-62s %s  %s" % (label, detail, "PASS" if ok else "FAIL"))
    passed += bool(ok)
    failed += not ok


def last_line(text):
    """The message worth showing: the last stderr line that is not the 'skipping' notice."""
    lines = [l for l in text.strip().splitlines() if "skipping" not in l and not l.startswith("Try")]
    return (lines or [""])[-1][:100]


def evaluate(inputs, out=None, methods=METHODS, extra=(), labels=LABELS):
    cmd = [args.cli, "evaluate", MODEL] + list(inputs) + PRE + list(extra)
    cmd += ["--methods", ",".join(methods)] if methods else []
    cmd += ["--labels-csv", labels] if labels else []
    cmd += ["-o", out] if out else []
    return run_status(cmd, timeout=300)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def prob(region_sum):
    """P(label 0) = softmax([K (sum_R x - OFFSET), 0])[0]."""
    return sigmoid(gen.K * (np.asarray(region_sum, np.float64) - gen.OFFSET))


def auc(y):
    y = np.asarray(y, np.float64)
    n = y.shape[-1]
    return y[..., 0] if n == 1 else (y.sum(-1) - y[..., 0] / 2 - y[..., -1] / 2) / (n - 1)


def thresholds_ranks(n_pixels, step):
    n = -(-n_pixels // step)
    return np.minimum(step * np.arange(1, n + 1), n_pixels - 1)


def distinct_thresholds(heat, step):
    """How many different tau_k the points have: one input per curve each."""
    ordered = np.sort(heat)[::-1]
    return len(set(ordered[thresholds_ranks(heat.size, step)].tolist()))


def pixels01(path):
    return np.asarray(Image.open(path).convert("L"), np.float64).ravel() / 255.0


def closed_form_aucs(x, heat, step):
    """method.md §7 on map 'heat': pixels sorted descending (ties by index), tau_k at rank
    min(step (k+1), N-1), Insertion keeps heat >= tau_k, Deletion blacks those out."""
    order = np.argsort(-heat, kind="stable")
    ins, dele = [], []
    for t in thresholds_ranks(heat.size, step):
        keep = heat >= heat[order[t]]
        ins.append(prob(np.sum(x[R & keep])))
        dele.append(prob(np.sum(x[R & ~keep])))
    return float(auc(ins)), float(auc(dele))


ROW = re.compile(r"^(\S+)\s+(-?\d+\.\d+) ± (\d+\.\d+)\s+(-?\d+\.\d+) ± (\d+\.\d+)"
                 r"\s+(-?\d+\.\d+) ± (\d+\.\d+)\s+(\S+)$")


def parse_table(stdout):
    rows = {}
    for line in stdout.splitlines():
        m = ROW.match(line)
        if m:
            rows[m.group(1)] = [float(v) for v in m.groups()[1:7]]
    acc = re.search(r"accuracy (\d+\.\d)% \((\d+)/(\d+)", stdout)
    return rows, acc


def json_method(doc, name):
    return next((m for m in doc.get("methods", []) if m.get("method") == name), None)


def main_run(tmp):
    out1, out2 = os.path.join(tmp, "run1"), os.path.join(tmp, "run2")
    os.makedirs(out1)
    os.makedirs(out2)
    rc, stdout, stderr = evaluate([IMAGES], out1)
    report("evaluate region.onnx (4 methods): exit 0", rc == 0,
           "exit %s %s" % (rc, last_line(stderr) if rc else ""))
    n_png = len(glob.glob(os.path.join(IMAGES, "*.png")))
    rows, acc = parse_table(stdout)
    report("table: one row per method, in order", list(rows) == METHODS, "rows %s" % list(rows))
    report("table: accuracy line, every label 0 predicted",
           bool(acc) and acc.group(2) == acc.group(3) == str(n_png),
           acc.group(0) if acc else "no accuracy line")
    try:
        with open(os.path.join(out1, "evaluate.json")) as f:
            doc = json.load(f)
        ok = True
    except (OSError, ValueError) as e:
        doc, ok = {}, False
        print("  evaluate.json: %s" % e)
    images = doc.get("images", [])
    report("evaluate.json parses, one entry per image", ok and len(images) == n_png,
           "%d images" % len(images))
    per_image_ok, consistent, details = True, True, []
    for name in METHODS:
        m = json_method(doc, name) or {}
        ins, dele = m.get("per_image_insertion"), m.get("per_image_deletion")
        if not (isinstance(ins, list) and isinstance(dele, list) and len(ins) == len(dele) == n_png
                and all(isinstance(v, (int, float)) and 0 <= v <= 1 for v in ins + dele)):
            per_image_ok = False
            details.append(name)
            continue
        ins, dele = np.array(ins), np.array(dele)
        ident = ins - dele
        se = lambda v: float(np.std(v, ddof=1) / math.sqrt(v.size)) if v.size > 1 else 0.0
        want = [ins.mean(), se(ins), dele.mean(), se(dele), ident.mean(), se(ident)]
        got = [m.get(k) for k in ("insertion", "insertion_se", "deletion", "deletion_se", "id",
                                  "id_se")]
        if not all(isinstance(g, (int, float)) and abs(g - w) <= 1e-9 for g, w in zip(got, want)):
            consistent = False
            details.append("%s json %s vs per-image %s" % (name, got, want))
        table = rows.get(name)
        if not table or any(abs(t - w) > 5e-4 + 1e-9 for t, w in zip(table, want)):
            consistent = False
            details.append("%s table %s vs json %s" % (name, table, want))
    report("evaluate.json: per-image insertion/deletion for every method", per_image_ok,
           " ".join(details[:2]))
    report("means and standard errors: json = per-image = table", consistent,
           " ".join(details[:2]))

    svg_path = os.path.join(out1, "curves.svg")
    svg = open(svg_path, encoding="utf-8").read() if os.path.isfile(svg_path) else ""
    missing = [n for n in METHODS if n not in svg]
    report("curves.svg exists and names every method", svg.startswith("<svg") and not missing,
           "missing %s" % missing if missing else "")

    # gradient-x-input is K x on R and exactly 0 elsewhere: its curves follow from the closed form.
    files = [e.get("file", "") for e in images]
    gxi = json_method(doc, "gradient-x-input") or {}
    step = doc.get("step")
    report("step = ceil(64 / 100) = 1", step == 1, "step %s" % step)
    errs = []
    for i, path in enumerate(files):
        x = pixels01(path)
        want = closed_form_aucs(x, np.where(R, gen.K * x, 0.0), 1)
        got = (gxi.get("per_image_insertion", [None] * len(files))[i],
               gxi.get("per_image_deletion", [None] * len(files))[i])
        if None in got or max(abs(g - w) for g, w in zip(got, want)) > TOL:
            errs.append("%s: %s vs %s" % (os.path.basename(path), got, want))
    report("gradient-x-input per image = closed form (1e-5)", files and not errs,
           "; ".join(errs[:2]))

    # Points with the same threshold share one input per curve: gradient-x-input's map is
    # 0 on 55 of 64 pixels, so most of its 64 points need no forward pass of their own.
    try:
        with open(os.path.join(out1, "timing.json")) as f:
            timing = json_method(json.load(f), "gradient-x-input") or {}
    except (OSError, ValueError) as e:
        timing = {"error": str(e)}
    want = np.mean([2 * distinct_thresholds(np.where(R, gen.K * pixels01(p), 0.0), 1)
                    for p in files]) if files else None
    got = timing.get("curve_forwards_per_image")
    report("timing.json: gradient-x-input's curves run 2 x its distinct thresholds",
           want is not None and isinstance(got, (int, float)) and abs(got - want) < 1e-9,
           "%s per image, want %s of %d points" % (got, want, 2 * 64))

    rnd = json_method(doc, "random") or {}
    report("gradient-x-input beats random on mean ID",
           gxi.get("id", -1) > rnd.get("id", 1), "%.4f vs %.4f" % (gxi.get("id", float("nan")),
                                                                 rnd.get("id", float("nan"))))

    rc2, stdout2, _ = evaluate([IMAGES], out2, extra=["--threads", "1"])
    same = rc2 == 0 and all(filecmp.cmp(os.path.join(out1, f), os.path.join(out2, f),
                                        shallow=False)
                            for f in ("evaluate.json", "curves.svg")
                            if os.path.isfile(os.path.join(out1, f)))
    report("second run, --threads 1: identical evaluate.json, curves.svg and table",
           same and stdout2 == stdout, "exit %s" % rc2)

    # --step and --batch: the same closed form with step 4 (16 points), 3 inputs a pass
    out3 = os.path.join(tmp, "run3")
    os.makedirs(out3)
    rc3, _, _ = evaluate([IMAGES], out3, ["gradient-x-input"], ["--step", "4", "--batch", "3"])
    errs = []
    try:
        with open(os.path.join(out3, "evaluate.json")) as f:
            doc3 = json.load(f)
        m = json_method(doc3, "gradient-x-input")
        for i, e in enumerate(doc3["images"]):
            x = pixels01(e["file"])
            want = closed_form_aucs(x, np.where(R, gen.K * x, 0.0), 4)
            got = (m["per_image_insertion"][i], m["per_image_deletion"][i])
            if max(abs(g - w) for g, w in zip(got, want)) > TOL:
                errs.append("%s: %s vs %s" % (os.path.basename(e["file"]), got, want))
        ok = rc3 == 0 and doc3["step"] == 4 and len(doc3["images"]) == n_png
    except (OSError, ValueError, KeyError, TypeError, IndexError) as e:
        ok = False
        errs.append(str(e))
    report("--step 4 --batch 3: gradient-x-input = closed form", ok and not errs,
           "; ".join(errs[:2]))


def random_floor(tmp):
    """Random's ID against its null distribution. ID is not centred on 0 here: §7's point k
    reveals step (k+1) + 1 pixels for Insertion but leaves N - step (k+1) - 1 for Deletion, so
    Insertion is one pixel ahead (mean ID about +0.047 on this toy), and with only 9 relevant
    pixels of 64 one image's random ID has a standard deviation of about 0.23. Over the 16
    committed images the mean's standard error is then ~0.057, so '|ID| < 0.15' would be only
    ~1.8 sigma. Instead: 256 more seeded images, and a band of 4 standard errors around the
    Monte-Carlo mean of the same statistic (a correct random map falls outside it with
    probability ~6e-5)."""
    d = os.path.join(tmp, "floor")
    os.makedirs(d)
    rng = np.random.default_rng(7)
    xs = []
    for i in range(256):
        img = gen.make_image(rng)
        Image.fromarray(img, mode="L").save(os.path.join(d, "f%03d.png" % i))
        xs.append(img.ravel().astype(np.float64) / 255.0)
    rc, _, stderr = evaluate([d], os.path.join(d, "out"), ["random"], labels=None)
    try:
        with open(os.path.join(d, "out", "evaluate.json")) as f:
            m = json_method(json.load(f), "random")
        obs, n = float(m["id"]), len(m["per_image_insertion"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        report("random's ID on 256 images: near its null mean", False, str(e))
        return
    # Monte Carlo: uniformly random pixel orders (ties have probability ~0 with 24-bit values)
    mc = np.random.default_rng(11)
    t = thresholds_ranks(R.size, 1)
    ids = []
    for x in xs:
        ranks = np.argsort(np.argsort(mc.random((400, R.size)), axis=1), axis=1)[:, R]
        shown = ((ranks[:, None, :] <= t[None, :, None]) * x[R]).sum(-1)
        ids.append(auc(prob(shown)) - auc(prob(x[R].sum() - shown)))
    ids = np.array(ids)
    mu = float(ids.mean())
    se = float(ids.std() / math.sqrt(n))  # pooled variance: >= the within-image one, conservative
    report("random's ID on 256 images within 4 SE of its null mean",
           rc == 0 and n == 256 and abs(obs - mu) <= 4 * se and abs(obs) < 0.15,
           "ID %.4f, null mean %.4f, SE %.4f, exit %s" % (obs, mu, se, rc))


def splitmix64_map(seed, n):
    """method.md §7's random map: (splitmix64(&s) >> 40) / 2^24, s starting at seed."""
    mask, out, state = (1 << 64) - 1, [], seed
    for _ in range(n):
        state = (state + 0x9E3779B97F4A7C15) & mask
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        out.append(float(np.float32((z ^ (z >> 31)) >> 40) / np.float32(1 << 24)))
    return np.array(out)


def random_seeded_by_image(tmp):
    """random's map is seeded by the image's index alone: its curves are the closed form of
    the splitmix64 map, listed alone or after another method."""
    for methods in (["random"], ["gradient-x-input", "random"]):
        out = os.path.join(tmp, "random-" + "-".join(methods))
        rc, _, err = evaluate([IMAGES], out, methods)
        try:
            with open(os.path.join(out, "evaluate.json")) as f:
                doc = json.load(f)
            m = json_method(doc, "random")
            files = [e["file"] for e in doc["images"]]
            got = list(zip(m["per_image_insertion"], m["per_image_deletion"]))
        except (OSError, ValueError, KeyError, TypeError) as e:
            report("random (%s): per image = the splitmix64 closed form" % ",".join(methods),
                   False, str(e))
            continue
        errs = []
        for i, path in enumerate(files):
            want = closed_form_aucs(pixels01(path), splitmix64_map(i, R.size), doc["step"])
            if max(abs(g - w) for g, w in zip(got[i], want)) > TOL:
                errs.append("%s: %s vs %s" % (os.path.basename(path), got[i], want))
        report("random (%s): per image = the splitmix64 closed form" % ",".join(methods),
               rc == 0 and files and not errs, "; ".join(errs[:2]) or "exit %s" % rc)


def bad_input(tmp):
    rc, _, err = evaluate([IMAGES], methods=["nope"])
    report("--methods nope: exit 2, names the method", rc == 2 and "nope" in err,
           "exit %s: %s" % (rc, last_line(err)))
    rc, _, err = evaluate([IMAGES], methods=["otsuki2024:nosuchsplit"])
    report("--methods otsuki2024:nosuchsplit: exit 2, names the split",
           rc == 2 and "nosuchsplit" in err, "exit %s: %s" % (rc, last_line(err)))
    empty = os.path.join(tmp, "empty")
    os.makedirs(empty)
    rc, _, err = evaluate([empty])
    report("no images: exit 2", rc == 2, "exit %s: %s" % (rc, last_line(err)))
    rc, _, err = evaluate([IMAGES], extra=["--resize", "-3"])
    report("--resize -3: exit 2, the message names evaluate", rc == 2 and "evaluate" in err,
           "exit %s: %s" % (rc, last_line(err)))

    mix, out = os.path.join(tmp, "mix"), os.path.join(tmp, "mix-out")
    os.makedirs(mix)
    os.makedirs(out)
    good = sorted(glob.glob(os.path.join(IMAGES, "*.png")))[:3]
    for p in good:
        shutil.copy(p, mix)
    with open(os.path.join(mix, "region_bad.png"), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + bytes(range(64)))  # a PNG signature, then garbage
    rc, stdout, err = evaluate([mix], out, ["gradient-x-input", "random"])
    try:
        with open(os.path.join(out, "evaluate.json")) as f:
            n = len(json.load(f)["images"])
    except (OSError, ValueError, KeyError) as e:
        n = str(e)
    report("a corrupt image among 3 good: reported, 3 evaluated, exit 1",
           rc == 1 and "region_bad.png" in err and n == 3 and "images 3," in stdout,
           "exit %s, %s evaluated" % (rc, n))

    # a label the model does not have (2 classes): an error, not a read past the logits
    for label in (2, 1000000):
        csv = os.path.join(tmp, "labels-%d.csv" % label)
        with open(csv, "w") as f:
            f.write("file,label\n%s,%d\n" % (os.path.basename(good[0]), label))
        rc, _, err = evaluate([good[0]], methods=["random"], labels=csv)
        report("--labels-csv label %d of 2 classes (random): exit 1 or 2" % label,
               rc in (1, 2) and str(label) in err, "exit %s: %s" % (rc, last_line(err)))


with tempfile.TemporaryDirectory() as tmp:
    main_run(tmp)
    random_floor(tmp)
    random_seeded_by_image(tmp)
    bad_input(tmp)
finish(passed, failed)
