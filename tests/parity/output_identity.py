#!/usr/bin/env python3
"""Byte identity of the outputs across refactorings of the engine (issue 15).

Runs `explain` on the sample images (both sample models, every preset, every
split, other seeds and targets) and in tensor mode on the golden models, and
compares with copies made by the code before the refactoring
(tests/seams/expected): the --json lines and report.json after normalising
what may change between runs (forward_ms, explain_ms, peak_rss_mib, the
source and output folders; the memory figures weights_mib and kept_mib,
which the copies predate, are dropped), byte for byte, and the .relevance.npy, heatmap, overlay and
--relevance-out files by sha256. tests/seams/expected/report.json is the whole
normalised report of the first case, to read a difference in.

  output_identity.py --cli PATH --root SRC [--write]   (--write: make the copies)
"""
import argparse
import glob
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile

PRESETS = ["epsilon-plus-flat", "epsilon-plus", "epsilon-alpha2-beta1", "epsilon-gamma-box",
           "otsuki2024", "gradient", "gradient-x-input", "grad-cam"]
SPLITS = ["proportional", "ratio", "symmetric", "ratio-projection-only",
          "symmetric-projection-only"]
MEASURED = re.compile(r'"(forward_ms|explain_ms|peak_rss_mib)":[-0-9.eE+]+')
MEMORY = re.compile(r',"(weights_mib|kept_mib)":[-0-9.eE+]+')  # newer than the copies


def cases(root):
    """(name, arguments after 'explain', image mode?) for every compared run."""
    samples = os.path.join(root, "samples")
    images = os.path.join(samples, "images")
    out = []
    for model in ("fashion-resnet", "fashion-resnet-bn"):
        path = os.path.join(samples, model + ".onnx")
        for p in PRESETS:
            out.append(("%s.%s" % (model, p), [path, images, "--preset", p], True))
    path = os.path.join(samples, "fashion-resnet.onnx")
    for s in SPLITS[1:]:
        out.append(("fashion-resnet.split-" + s, [path, images, "--split", s], True))
    for extra in (["--init", "softmax"], ["--init", "logit"], ["--zero-bias"],
                  ["--topk", "2", "--preset", "otsuki2024"], ["--target", "3"]):
        out.append(("fashion-resnet." + "".join(a.strip("-") for a in extra),
                    [path, images] + extra, True))
    for case in ("tiny-basic", "tiny-bottleneck"):
        d = os.path.join(root, "tests", "golden", case)
        for model in ("model", "model-bn"):
            for p in PRESETS:
                out.append(("%s.%s.%s" % (case, model, p),
                            [os.path.join(d, model + ".onnx"), "--input-tensor",
                             os.path.join(d, "input.npy"), "--preset", p], False))
            for s in SPLITS[1:]:
                out.append(("%s.%s.split-%s" % (case, model, s),
                            [os.path.join(d, model + ".onnx"), "--input-tensor",
                             os.path.join(d, "input.npy"), "--split", s], False))
    return out


def normalise(text, root, out_dir):
    text = MEASURED.sub(lambda m: '"%s":0' % m.group(1), text)
    text = MEMORY.sub("", text)
    return text.replace(out_dir, "$OUT").replace(root, "$ROOT")


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def run_case(cli, root, args, image_mode, tmp):
    """{'json': normalised stdout, file name: sha256 or normalised text}."""
    out_dir = os.path.join(tmp, "out")
    # the copies were made on OpenBLAS, whose bits oneDNN's convolutions do not
    # match (explain-images and test-conv check oneDNN against itself)
    cmd = [cli, "explain"] + args + ["--json", "--threads", "2", "--backend", "openblas"]
    if image_mode:
        cmd += ["-o", out_dir, "--save-relevance"]
    else:
        cmd += ["--relevance-out", os.path.join(tmp, "relevance.npy")]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        return {"error": "exit %d: %s" % (p.returncode, p.stderr.strip()[:300])}
    got = {"json": normalise(p.stdout, root, out_dir)}
    if image_mode:
        with open(os.path.join(out_dir, "report.json")) as f:
            got["report.json"] = normalise(f.read(), root, out_dir)
        for f in sorted(glob.glob(os.path.join(out_dir, "*.*.*"))):
            got[os.path.basename(f)] = sha(f)
    else:
        got["relevance.npy"] = sha(os.path.join(tmp, "relevance.npy"))
    return got


def digest(got):
    """What the manifest keeps: text as its sha256, hashes as they are."""
    return {k: (hashlib.sha256(v.encode()).hexdigest() if k in ("json", "report.json") else v)
            for k, v in got.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--root", required=True, help="the source tree")
    ap.add_argument("--write", action="store_true", help="make the expected copies")
    a = ap.parse_args()
    root = os.path.abspath(a.root)
    expected_dir = os.path.join(root, "tests", "seams", "expected")
    manifest_path = os.path.join(expected_dir, "manifest.json")
    manifest = {}
    if not a.write:
        with open(manifest_path) as f:
            manifest = json.load(f)
    result, passed, failed = {}, 0, 0
    all_cases = cases(root)
    for i, (name, args, image_mode) in enumerate(all_cases):
        with tempfile.TemporaryDirectory() as tmp:
            got = run_case(a.cli, root, args, image_mode, tmp)
        if i == 0 and "report.json" in got:
            full = os.path.join(expected_dir, "report.json")
            if a.write:
                with open(full, "w") as f:
                    f.write(got["report.json"])
            else:
                with open(full) as f:
                    if f.read() != got["report.json"]:
                        print("note: %s report.json differs from %s" % (name, full))
        result[name] = digest(got)
        if a.write:
            continue
        want = manifest.get(name)
        diff = sorted(k for k in set(result[name]) | set(want or {})
                      if result[name].get(k) != (want or {}).get(k))
        if want is None or diff:
            failed += 1
            print("FAIL %s: %s" % (name, "not in the manifest" if want is None else
                                   "differs in " + ", ".join(diff[:6])))
        else:
            passed += 1
            print("ok   %s (%d outputs identical)" % (name, len(want)))
    if a.write:
        os.makedirs(expected_dir, exist_ok=True)
        with open(manifest_path, "w") as f:
            json.dump(result, f, indent=1, sort_keys=True)
            f.write("\n")
        print("wrote %d cases to %s" % (len(result), manifest_path))
        return 0
    missing = sorted(set(manifest) - set(result))
    for name in missing:
        failed += 1
        print("FAIL %s: in the manifest, not run" % name)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
