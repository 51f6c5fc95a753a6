#!/usr/bin/python3
# Conservation is reported only where the method defines it (the LRP presets, not gradient,
# gradient-x-input, grad-cam); the terminal line says where the missing relevance went; and explain
# warns once per image when the stabilizer swallowed most of it: on a random-weight torchvision
# mobilenet_v2, never on the README's sample runs or the test fixtures.
import argparse
import glob
import json
import math
import os
import re
import sys
import tempfile

from parity_common import finish, load_fixtures, run_status, skip

try:
    import numpy as np
    import torch
    import torchvision
    from PIL import Image
except ImportError:
    skip("numpy, torch, torchvision or PIL is not available")

ap = argparse.ArgumentParser(description="conservation only where the method defines it")
ap.add_argument("--cli", required=True)
ap.add_argument("--fixtures", required=True)
ap.add_argument("--samples", required=True, help="samples/: fashion-resnet-bn.onnx, images/")
args = ap.parse_args()
if not os.path.isfile(args.cli):
    skip("no CLI at %s" % args.cli)

BASELINES = ["gradient", "gradient-x-input", "grad-cam"]
LRP_PRESETS = ["epsilon-plus-flat", "epsilon-plus", "epsilon-alpha2-beta1", "epsilon-gamma-box", "otsuki2024"]
WARNING = "the stabilizer swallowed"
passed = failed = 0


def report(label, ok, detail=""):
    global passed, failed
    print("%-70s %s  %s" % (label, detail, "PASS" if ok else "FAIL"))
    passed += bool(ok)
    failed += not ok


def first_fixture():
    d, e = next((d, e) for d, e in load_fixtures(args.fixtures) if e["name"] == "basic-op13")
    return os.path.join(d, e["file"]), os.path.join(d, e["input"])


def check_baselines(model, x):
    for p in BASELINES:
        code, out, err = run_status([args.cli, "explain", model, "--input-tensor", x, "--preset", p])
        report("explain %s (tensor): no conservation error on the line" % p,
               code == 0 and out.strip() and "conservation" not in out.replace("defines no conservation", ""),
               out.strip().splitlines()[0][:60] if out.strip() else "exit %s" % code)
        code, out, _ = run_status([args.cli, "explain", model, "--input-tensor", x, "--preset", p, "--json"])
        recs = [json.loads(l) for l in out.splitlines()] if code == 0 else []
        report("explain %s --json: conservation_error is null" % p,
               recs and all("conservation_error" in r and r["conservation_error"] is None for r in recs))
        code, out, err = run_status([args.cli, "explain", model, "--input-tensor", x, "--preset", p,
                                     "--check-conservation", "1e-3"])
        line = err.strip().splitlines()[0] if err.strip() else ""
        report("explain %s --check-conservation: exit 2 naming the preset" % p,
               code == 2 and p in line and "--check-conservation" in line and not out, "exit %s" % code)
    code, out, _ = run_status([args.cli, "explain", model, "--input-tensor", x, "--json"])
    recs = [json.loads(l) for l in out.splitlines()] if code == 0 else []
    report("explain epsilon-plus-flat --json: conservation_error is a number",
           recs and all(isinstance(r["conservation_error"], float) for r in recs))


LINE = re.compile(r"sum R_in (\S+) of (\S+) \(biases (took|gave) (\S+), the stabilizer (\S+)\)  "
                  r"conservation error (\S+)$")


def check_image_lines(tmp):
    """The image line's breakdown adds up and agrees with the JSON's leaks; baselines show none."""
    images = os.path.join(args.samples, "images")
    model = os.path.join(args.samples, "fashion-resnet-bn.onnx")
    n_images = len(glob.glob(os.path.join(images, "*.png")))
    for preset in ("epsilon-plus-flat", "otsuki2024"):
        out_dir = os.path.join(tmp, "lines-" + preset)
        code, out, err = run_status([args.cli, "explain", model, images, "--preset", preset, "-o", out_dir])
        doc = {}
        if code == 0:
            with open(os.path.join(out_dir, "report.json")) as f:
                doc = json.load(f)
        recs = {r["file"]: r for r in doc.get("images", [])}
        worst = 0.0
        lines = [l for l in out.splitlines() if l.strip()]
        for l in lines:
            m = LINE.search(l)
            if not m:
                worst = math.inf
                continue
            r_in, r_out, sign, bias, stab, cons = m.groups()
            bias = float(bias) * (1 if sign == "took" else -1)
            rec = recs.get(l.split(":")[0])
            absorbed = sum(s["absorbed"] for s in rec["leaks"]) * rec["output_relevance"] if rec else math.inf
            want_bias = -rec["conservation_error"] * rec["output_relevance"] - absorbed if rec else math.inf
            worst = max(worst, abs(float(r_in) + bias + float(stab) - float(r_out)),
                        abs(float(stab) - absorbed) if abs(absorbed) >= 5e-4 else 0.0,
                        abs(bias - want_bias) if abs(want_bias) >= 5e-4 else 0.0)
        report("explain %s (images): sum R_in + biases + stabilizer = R_out, = the leaks" % preset,
               code == 0 and len(lines) == n_images and worst <= 2e-3, "max diff %.1e" % worst)
        report("explain %s on the README's samples: no lost-relevance warning" % preset,
               code == 0 and WARNING not in err)
    two = sorted(glob.glob(os.path.join(images, "*.png")))[:2]
    code, out, err = run_status([args.cli, "explain", model] + two + ["--preset", "grad-cam"])
    lines = [l for l in out.splitlines() if l.strip()]
    report("explain grad-cam (images): the line names the class, no relevance sums",
           code == 0 and len(lines) == 2 and all("(p " in l and "R_in" not in l and "conservation" not in l
                                                  for l in lines))


def check_evaluate(tmp):
    model = os.path.join(args.samples, "fashion-resnet-bn.onnx")
    images = sorted(glob.glob(os.path.join(args.samples, "images", "*.png")))[:1]
    out_dir = os.path.join(tmp, "eval")
    code, out, err = run_status([args.cli, "evaluate", model] + images +
                                ["--methods", "epsilon-plus-flat,gradient,grad-cam", "-o", out_dir])
    doc = {"methods": []}
    if code == 0:
        with open(os.path.join(out_dir, "evaluate.json")) as f:
            doc = json.load(f)
    by = {m["method"]: m for m in doc["methods"]}
    ok = (code == 0 and len(by) == 3 and isinstance(by["epsilon-plus-flat"]["conservation_error"], list) and
          all(by[p].get("conservation_error", "absent") is None for p in ("gradient", "grad-cam")))
    rows = {l.split()[0]: l.split()[-1] for l in out.splitlines() if l.split() and l.split()[0] in by}
    ok = ok and rows.get("gradient") == "-" and rows.get("grad-cam") == "-" and rows.get("epsilon-plus-flat") != "-"
    report("evaluate: conservation only for the LRP method (table and evaluate.json)", ok)


def check_fixtures_quiet():
    loud = []
    for d, e in load_fixtures(args.fixtures):
        for p in LRP_PRESETS:
            code, _, err = run_status([args.cli, "explain", os.path.join(d, e["file"]), "--input-tensor",
                                       os.path.join(d, e["input"]), "--preset", p, "--threads", "1"])
            if code != 0 or WARNING in err:
                loud.append("%s/%s" % (e["name"], p))
    report("explain on every fixture x LRP preset: no lost-relevance warning", not loud, " ".join(loud[:3]))


def check_mobilenet(tmp):
    torch.manual_seed(0)
    net = torchvision.models.mobilenet_v2(weights=None, num_classes=10).eval()
    model = os.path.join(tmp, "mobilenet_v2.onnx")
    torch.onnx.export(net, torch.zeros(1, 3, 64, 64), model, opset_version=13)
    rng = np.random.default_rng(0)
    paths = []
    for i in range(2):
        paths.append(os.path.join(tmp, "photo%d.png" % i))
        Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(paths[-1])
    code, out, err = run_status([args.cli, "explain", model] + paths + ["--resize", "64", "--topk", "2"])
    counts = [sum(1 for l in err.splitlines() if WARNING in l and p in l) for p in paths]
    report("mobilenet_v2 (random weights): one warning per image, exit 0", code == 0 and counts == [1, 1],
           "exit %s, warnings %s" % (code, counts))


with tempfile.TemporaryDirectory() as tmp:
    check_baselines(*first_fixture())
    check_image_lines(tmp)
    check_evaluate(tmp)
    check_fixtures_quiet()
    check_mobilenet(tmp)
finish(passed, failed)
