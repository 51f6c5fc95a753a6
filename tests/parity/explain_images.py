#!/usr/bin/python3
# `onnx-lrp explain` on image files: image path vs --input-tensor, output files and report.json,
# colormaps, determinism across runs and threads, model metadata, --topk, --quantize, bad input.
import argparse
import glob
import json
import math
import os
import shutil
import subprocess
import tempfile

from parity_common import finish, skip

try:
    import numpy as np
    from PIL import Image
except ImportError:
    skip("numpy or PIL is not available")

TIMEOUT = 120
CROP = 224  # rgb.torchvision.npy: Resize(256), CenterCrop(224), ImageNet mean/std
LABELS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]

ap = argparse.ArgumentParser(description="onnx-lrp explain on images")
ap.add_argument("--cli", required=True, help="path to the onnx-lrp executable")
ap.add_argument("--fixtures", required=True, help="tests/fixtures (basic-dynamic.onnx)")
ap.add_argument("--images", required=True, help="tests/images (images and torchvision tensors)")
ap.add_argument("--golden", required=True, help="tests/golden (tiny-basic/model.onnx, static 64x64)")
args = ap.parse_args()
cli = args.cli
dyn = os.path.join(args.fixtures, "basic-dynamic.onnx")
static = os.path.join(args.golden, "tiny-basic", "model.onnx")
rgb = os.path.join(args.images, "rgb.png")
work = tempfile.mkdtemp(prefix="explain-images-")
passed = failed = 0


def report(label, verdict):
    global passed, failed
    print("%-52s %s" % (label, verdict))
    passed += verdict.endswith("PASS")
    failed += not verdict.endswith("PASS") and not verdict.startswith("SKIP")


def run(argv):
    """(exit code or None when it did not finish, stdout, stderr) of `onnx-lrp explain argv`."""
    try:
        p = subprocess.run([cli, "explain"] + argv, capture_output=True, timeout=TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, "", str(e)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def fresh(name):
    """A new, empty output directory under the scratch directory."""
    d = os.path.join(work, name)
    os.makedirs(d)
    return d


def ran(res, want=0):
    """None when the run exited with want, else a FAIL verdict."""
    code, _, err = res
    if code is None:
        return "FAIL (did not finish: %s)" % err.strip()
    if code < 0:
        return "FAIL (killed by signal %d: crash)" % -code
    if code != want:
        return "FAIL (exit %d, want %d: %s)" % (code, want, (err.strip().splitlines() or ["(no stderr)"])[0])
    return None


def load_report(d):
    with open(os.path.join(d, "report.json")) as f:
        return json.load(f)


def rgb_pixels(path):
    with Image.open(path) as im:
        return im.mode, im.size, np.asarray(im.convert("RGB"))


def file_bytes(d, patterns=("*.png", "*.npy")):
    out = {}
    for p in patterns:
        for f in glob.glob(os.path.join(d, p)):
            with open(f, "rb") as fh:
                out[os.path.basename(f)] = fh.read()
    return out


def guarded(label, fn):
    """Runs one check; an exception (missing file, bad JSON, ...) is that check's FAIL."""
    try:
        report(label, fn())
    except Exception as e:  # noqa: BLE001 - any surprise is a failed check, not a crash
        report(label, "FAIL (%s: %s)" % (type(e).__name__, e))


if not os.path.isfile(cli):
    raise SystemExit("error: %s not found" % cli)

# ---------------------------------------------------------------- 1, 2, 3
d1 = fresh("rgb")
res1 = run([dyn, rgb, "-o", d1, "--save-relevance"])


def backends():
    """The convolution engines this build has (`onnx-lrp --version`: "backends: openblas dnnl")."""
    out = subprocess.run([cli, "--version"], capture_output=True, text=True, timeout=TIMEOUT).stdout
    line = [l for l in out.splitlines() if l.startswith("backends:")]
    return line[0].split(":")[1].split("(")[0].split() if line else ["openblas"]


def engines():
    """--backend B for each of backends(), and --precision bf16 on dnnl where it runs."""
    out = subprocess.run([cli, "--version"], capture_output=True, text=True, timeout=TIMEOUT).stdout
    bf16 = any(l.startswith("precision:") and "bf16: available" in l for l in out.splitlines())
    return ([["--backend", b] for b in backends()] +
            ([["--backend", "dnnl", "--precision", "bf16"]] if bf16 else []))


def image_vs_tensor(flags):
    """None, or what differs between image mode and tensor mode on 1, 2, 3 threads."""
    backend = "-".join(flags[1::2])
    d = fresh("rgb-" + backend)
    bad = ran(run([dyn, rgb, "-o", d, "--save-relevance"] + flags))
    if bad:
        return bad
    x = np.load(os.path.join(args.images, "rgb.torchvision.npy"))[None].astype(np.float32)
    xp = os.path.join(work, "rgb-x.npy")
    np.save(xp, x)
    a = np.load(os.path.join(d, "rgb.relevance.npy"))
    if a.shape != (3, CROP, CROP) or a.dtype != np.float32:
        return "FAIL (rgb.relevance.npy is %s %s, want (3, %d, %d) float32)" % (a.shape, a.dtype, CROP, CROP)
    # tensor mode splits each layer over its threads; the tiles depend on shapes only
    for threads in (1, 2, 3):
        rp = os.path.join(work, "rgb-%s-r%d.npy" % (backend, threads))
        bad = ran(run([dyn, "--input-tensor", xp, "--relevance-out", rp, "--threads", str(threads)]
                      + flags))
        if bad:
            return bad
        b = np.load(rp)
        if b.shape != (1,) + a.shape:
            return "FAIL (tensor-mode relevance %s, want %s)" % (b.shape, (1,) + a.shape)
        if not np.array_equal(a, b[0]):
            return "FAIL (--threads %d: max |diff| %.3e)" % (
                threads, float(np.max(np.abs(a.astype(np.float64) - b[0]))))
    return None


def check_image_vs_tensor():
    bad = ran(res1)
    if bad:
        return bad
    for flags in engines():
        bad = image_vs_tensor(flags)
        if bad:
            return "%s (%s)" % (bad, " ".join(flags))
    return "identical on 1, 2, 3 threads, %s  PASS" % ", ".join(" ".join(f) for f in engines())


def check_output_pngs():
    bad = ran(res1)
    if bad:
        return bad
    for kind in ("heatmap", "overlay"):
        mode, size, _ = rgb_pixels(os.path.join(d1, "rgb.%s.png" % kind))
        if mode != "RGB" or size != (CROP, CROP):
            return "FAIL (rgb.%s.png is %s %dx%d, want RGB %dx%d)" % (kind, mode, size[0], size[1], CROP, CROP)
    return "RGB %dx%d  PASS" % (CROP, CROP)


def check_report_fields():
    bad = ran(res1)
    if bad:
        return bad
    r = load_report(d1)
    if r.get("failures") != []:
        return "FAIL (failures = %r, want [])" % r.get("failures")
    ims = r.get("images")
    if not isinstance(ims, list) or len(ims) != 1:
        return "FAIL (images = %r, want one entry)" % (ims,)
    want = ["file", "class_name", "probability", "target", "input_relevance_sum", "conservation_error",
            "residual_adds", "leaks", "outputs"]
    gone = [k for k in want if k not in ims[0]]
    if gone:
        return "FAIL (images[0] lacks %s)" % ", ".join(gone)
    outs = ims[0]["outputs"]
    for k in ("heatmap", "overlay", "relevance"):
        if not (isinstance(outs, dict) and isinstance(outs.get(k), str) and os.path.isfile(outs[k])):
            return "FAIL (outputs.%s = %r is not a written file)" % (k, outs.get(k) if isinstance(outs, dict) else outs)
    return "PASS"


def check_probability():
    bad = ran(res1)
    if bad:
        return bad
    im = load_report(d1)["images"][0]
    z = np.asarray(im["logits"], dtype=np.float64)
    p = np.exp(z - z.max())
    p /= p.sum()
    t = im["target"]
    if t != int(np.argmax(z)):
        return "FAIL (target %d, top-1 is %d)" % (t, int(np.argmax(z)))
    if not math.isclose(im["probability"], p[t], rel_tol=1e-6):
        return "FAIL (probability %r, softmax %r)" % (im["probability"], p[t])
    return "p %.6f  PASS" % p[t]


def check_bwr():
    bad = ran(res1)
    if bad:
        return bad
    s = np.load(os.path.join(d1, "rgb.relevance.npy")).astype(np.float64).sum(axis=0)
    _, _, px = rgb_pixels(os.path.join(d1, "rgb.heatmap.png"))
    if s.max() <= 0:
        return "FAIL (R_max %g <= 0: no positive relevance to test)" % s.max()
    # symmetric normalization by max|R|: the extreme pixel is full red (positive) or blue
    pos = s.max() >= -s.min()
    i, j = np.unravel_index(np.argmax(s) if pos else np.argmin(s), s.shape)
    want = (255, 0, 0) if pos else (0, 0, 255)
    got = tuple(int(v) for v in px[i, j])
    if got != want:
        return "FAIL (pixel (%d,%d) R %.3e is %s, want %s)" % (i, j, s[i, j], got, want)
    return "pixel (%d,%d) %s  PASS" % (i, j, got)


def check_gray():
    d = fresh("gray")
    bad = ran(run([dyn, rgb, "-o", d, "--colormap", "gray"]))
    if bad:
        return bad
    _, _, px = rgb_pixels(os.path.join(d, "rgb.heatmap.png"))
    if not (np.array_equal(px[..., 0], px[..., 1]) and np.array_equal(px[..., 1], px[..., 2])):
        return "FAIL (%d pixels with R, G, B not equal)" % int(np.sum((px[..., 0] != px[..., 1]) | (px[..., 1] != px[..., 2])))
    if len(np.unique(px[..., 0])) < 2:
        return "FAIL (a single gray level)"
    return "%d gray levels  PASS" % len(np.unique(px[..., 0]))


guarded("1 image path == --input-tensor relevance, any --threads and backend", check_image_vs_tensor)
guarded("2 heatmap/overlay PNGs: crop size, RGB", check_output_pngs)
guarded("2 report.json fields, failures []", check_report_fields)
guarded("2 probability == softmax(logits)[target]", check_probability)
guarded("3 bwr: extreme-relevance pixel pure red/blue", check_bwr)
guarded("3 --colormap gray: R == G == B", check_gray)

# ---------------------------------------------------------------- 4 determinism


def check_twice():
    d = fresh("again")
    bad = ran(run([dyn, rgb, "-o", d, "--save-relevance"]))
    if bad:
        return bad
    a, b = file_bytes(d1), file_bytes(d)
    if sorted(a) != sorted(b):
        return "FAIL (files %s vs %s)" % (sorted(a), sorted(b))
    diff = [k for k in a if a[k] != b[k]]
    return "FAIL (%s differ)" % ", ".join(diff) if diff else "%d files identical  PASS" % len(a)


def good_images():
    """tests/images' decodable images, sorted: the expected stdout order."""
    names = sorted(os.listdir(args.images))
    return [os.path.join(args.images, n) for n in names
            if n.rsplit(".", 1)[-1].lower() in ("png", "jpg", "bmp", "gif", "tga", "ppm", "pgm")
            and n not in ("empty.png", "corrupt.png", "not-an-image.png")]


threads = {}
for n in (1, 2):
    d = fresh("threads%d" % n)
    threads[n] = (d, run([dyn, args.images, "-o", d, "--save-relevance", "--threads", str(n)]))


def check_threads_files():
    for n, (_, res) in threads.items():
        bad = ran(res, 1)  # tests/images holds three broken images
        if bad:
            return bad + " (--threads %d)" % n
    a, b = file_bytes(threads[1][0]), file_bytes(threads[2][0])
    if sorted(a) != sorted(b):
        return "FAIL (file names differ: %s)" % sorted(set(a) ^ set(b))
    if len(a) < 3 * len(good_images()):
        return "FAIL (%d files for %d images)" % (len(a), len(good_images()))
    diff = [k for k in a if a[k] != b[k]]
    return "FAIL (%s differ)" % ", ".join(sorted(diff)) if diff else "%d files identical  PASS" % len(a)


def check_threads_stdout():
    out1, out2 = threads[1][1][1], threads[2][1][1]
    if out1 != out2:
        return "FAIL (stdout differs: %r vs %r)" % (out1[:200], out2[:200])
    files = [ln.split(":", 1)[0] for ln in out1.splitlines() if ln.strip()]
    if files != good_images():
        return "FAIL (stdout order %s, want %s)" % ([os.path.basename(f) for f in files],
                                                   [os.path.basename(f) for f in good_images()])
    return "%d lines in order  PASS" % len(files)


guarded("4 same command twice: byte-identical files", check_twice)
guarded("4 --threads 1 vs 2 (tests/images): identical files", check_threads_files)
guarded("4 stdout in input order, same for 1 and 2 threads", check_threads_stdout)

# ---------------------------------------------------------------- 5 metadata
try:
    import onnx
except ImportError:
    onnx = None


def meta_model():
    m = onnx.load(static)
    for k, v in (("onnx_lrp.resize", "80"), ("onnx_lrp.crop", "64"), ("onnx_lrp.mean", "0.5,0.5,0.5"),
                 ("onnx_lrp.std", "0.25,0.25,0.25"), ("onnx_lrp.labels", "\n".join(LABELS))):
        p = m.metadata_props.add()
        p.key, p.value = k, v
    path = os.path.join(work, "meta.onnx")
    onnx.save(m, path)
    return path


def check_pre(d, resize, mean, std, labels):
    r = load_report(d)
    pre = r.get("preprocess", {})
    got = (pre.get("resize"), pre.get("crop"), pre.get("mean"), pre.get("std"))
    close = (got[0] == resize and got[1] == [64, 64] and isinstance(got[2], list) and isinstance(got[3], list)
             and np.allclose(got[2], [mean] * 3, atol=1e-6) and np.allclose(got[3], [std] * 3, atol=1e-6))
    if not close:
        return "FAIL (preprocess %r, want resize %d crop [64, 64] mean %g std %g)" % (pre, resize, mean, std)
    im = r["images"][0]
    if im.get("class_name") != labels[im["target"]]:
        return "FAIL (class_name %r, target %d: want %r)" % (im.get("class_name"), im["target"], labels[im["target"]])
    return "resize %d mean %g, class %r  PASS" % (resize, mean, im["class_name"])


def check_meta(model):
    d = fresh("meta")
    bad = ran(run([model, rgb, "-o", d, "--save-relevance"]))
    return bad or check_pre(d, 80, 0.5, 0.25, LABELS)


def check_meta_tensor(model):
    """The metadata drive the preprocessing itself: torchvision's tensor with the same transform."""
    try:
        from torchvision import transforms
    except ImportError:
        return "SKIP (torchvision is not available)"
    t = transforms.Compose([transforms.Resize(80), transforms.CenterCrop(64), transforms.ToTensor(),
                            transforms.Normalize((0.5,) * 3, (0.25,) * 3)])
    with Image.open(rgb) as im:
        x = t(im.convert("RGB")).numpy().astype(np.float32)[None]
    xp, rp = os.path.join(work, "meta-x.npy"), os.path.join(work, "meta-r.npy")
    np.save(xp, x)
    bad = ran(run([model, "--input-tensor", xp, "--relevance-out", rp, "--threads", "1"]))
    if bad:
        return bad
    a, b = np.load(os.path.join(work, "meta", "rgb.relevance.npy")), np.load(rp)[0]
    if a.shape != b.shape or not np.array_equal(a, b):
        return "FAIL (shape %s vs %s, max |diff| %s)" % (
            a.shape, b.shape, float(np.max(np.abs(a - b))) if a.shape == b.shape else "-")
    return "identical  PASS"


def check_meta_override(model):
    d = fresh("meta-cli")
    names = ["label-%d" % i for i in range(10)]
    lp = os.path.join(work, "labels.txt")
    with open(lp, "w") as f:
        f.write("\n".join(names) + "\n")
    bad = ran(run([model, rgb, "-o", d, "--resize", "72", "--mean", "0.4", "--labels", lp]))
    return bad or check_pre(d, 72, 0.4, 0.25, names)


if onnx is None:
    for label in ("5 metadata: preprocess block and labels", "5 metadata: tensor == torchvision's",
                  "5 command line wins over metadata"):
        print("%-52s SKIP (python onnx package is not available)" % label)
else:
    try:
        model_meta, why = meta_model(), None
    except Exception as e:  # noqa: BLE001
        model_meta, why = None, "FAIL (cannot write the model copy: %s)" % e
    guarded("5 metadata: preprocess block and labels", lambda: why or check_meta(model_meta))
    guarded("5 metadata: relevance == torchvision tensor's", lambda: why or check_meta_tensor(model_meta))
    guarded("5 command line wins over metadata", lambda: why or check_meta_override(model_meta))

# ---------------------------------------------------------------- 6, 7


def check_topk():
    d = fresh("topk")
    bad = ran(run([dyn, rgb, "-o", d, "--topk", "3"]))
    if bad:
        return bad
    ims = load_report(d)["images"]
    if len(ims) != 3:
        return "FAIL (%d explanations, want 3)" % len(ims)
    z = np.asarray(ims[0]["logits"])
    want = [int(i) for i in np.argsort(-z, kind="stable")[:3]]
    got = [im["target"] for im in ims]
    if got != want:
        return "FAIL (targets %s, want %s by logit)" % (got, want)
    for t in got:
        for kind in ("heatmap", "overlay"):
            f = os.path.join(d, "rgb.class-%d.%s.png" % (t, kind))
            if not os.path.isfile(f):
                return "FAIL (%s missing; dir has %s)" % (os.path.basename(f), sorted(os.listdir(d)))
    return "targets %s  PASS" % got


def check_quantize():
    d = fresh("quantize")
    bad = ran(run([dyn, rgb, "-o", d, "--quantize", "8"]))
    if bad:
        return bad
    _, _, px = rgb_pixels(os.path.join(d, "rgb.heatmap.png"))
    n = len(np.unique(px.reshape(-1, 3), axis=0))
    return "%d colors  %s" % (n, "PASS" if 2 <= n <= 8 else "FAIL (want 2..8)")


guarded("6 --topk 3: targets by logit, .class-<idx>. files", check_topk)
guarded("7 --quantize 8: at most 8 heatmap colors", check_quantize)

# ---------------------------------------------------------------- 8 bad input
# --resize 32 --crop 32x36 (HxW): the landscape images fit (tiny 23x19 -> 38x32, rgb 300x260 -> 36x32,
# photo 200x150 -> 42x32), a 10x10 image (-> 32x32) is narrower than the crop.
bad_dir = os.path.join(work, "bad-in")
sub = os.path.join(bad_dir, "sub")
os.makedirs(sub)
small = os.path.join(bad_dir, "small.png")
Image.fromarray(np.full((10, 10, 3), 128, np.uint8), "RGB").save(small)
shutil.copy(os.path.join(args.images, "tiny.png"), os.path.join(sub, "in-dir.png"))
notes = os.path.join(sub, "notes.txt")
with open(notes, "w") as f:
    f.write("not an image\n")
missing_png = os.path.join(bad_dir, "missing.png")
BAD = [os.path.join(args.images, n) for n in ("empty.png", "corrupt.png", "not-an-image.png")]
BAD += [missing_png, small]
GOOD = {os.path.join(args.images, "tiny.png"): "tiny", rgb: "rgb",
        os.path.join(args.images, "photo.jpg"): "photo", os.path.join(sub, "in-dir.png"): "in-dir"}
d8 = fresh("bad-out")
res8 = run([dyn, os.path.join(args.images, "tiny.png"), BAD[0], rgb, BAD[1], BAD[2], missing_png, small,
            os.path.join(args.images, "photo.jpg"), sub, "-o", d8, "--resize", "32", "--crop", "32x36"])
err8 = res8[2].splitlines()


def check_bad_file(path):
    code = res8[0]
    if code is None or code < 0:
        return ran(res8, 1)
    lines = [ln for ln in err8 if path in ln]
    if not lines:
        return "FAIL (no stderr line names it: %r)" % res8[2][:300]
    rest = lines[0].split(path, 1)[1].strip(" :")
    return "%s  %s" % (lines[0], "PASS" if rest else "FAIL (no reason given)")


for p in BAD:
    guarded("8 %s" % os.path.basename(p), lambda p=p: check_bad_file(p))


def check_txt_skipped():
    lines = [ln for ln in err8 if notes in ln]
    if not lines or "skip" not in lines[0].lower():
        return "FAIL (no 'skipping %s' line: %r)" % (notes, res8[2][:300])
    return "%s  PASS" % lines[0]


def check_good_continue():
    missing = [s for s in GOOD.values() for k in ("heatmap", "overlay")
               if not os.path.isfile(os.path.join(d8, "%s.%s.png" % (s, k)))]
    if missing:
        return "FAIL (missing outputs of %s; dir has %s)" % (sorted(set(missing)), sorted(os.listdir(d8)))
    files = [ln.split(":", 1)[0] for ln in res8[1].splitlines() if ln.strip()]
    if sorted(files) != sorted(GOOD):
        return "FAIL (stdout names %s, want %s)" % (files, sorted(GOOD))
    stray = [f for f in os.listdir(d8) if f.split(".")[0] in ("empty", "corrupt", "not-an-image", "missing", "small", "notes")]
    return "FAIL (outputs for broken images: %s)" % stray if stray else "%d images explained  PASS" % len(GOOD)


def check_bad_report():
    bad = ran(res8, 1)
    if bad:
        return bad
    fails = load_report(d8).get("failures")
    if not isinstance(fails, list):
        return "FAIL (failures = %r)" % (fails,)
    listed = [f.get("file") for f in fails if isinstance(f, dict) and f.get("error")]
    gone = [p for p in BAD if p not in listed]
    if gone:
        return "FAIL (failures lack %s: %r)" % (", ".join(gone), fails)
    extra = [p for p in listed if p not in BAD]
    return "FAIL (unexpected failures %s)" % extra if extra else "exit 1, %d failures  PASS" % len(fails)


guarded("8 directory: notes.txt skipped with a message", check_txt_skipped)
guarded("8 good images in the same run still explained", check_good_continue)
guarded("8 exit 1, report.json lists the failures", check_bad_report)

unwritable_file = os.path.join(work, "regular-file")
open(unwritable_file, "w").close()


def check_unwritable(out):
    code, out_text, err = run([dyn, rgb, os.path.join(args.images, "photo.jpg"), "-o", out])
    bad = ran((code, out_text, err), 2)
    if bad:
        return bad
    lines = err.splitlines()
    if not lines or out not in lines[0]:
        return "FAIL (first stderr line does not name %s: %r)" % (out, err[:300])
    if out_text.strip():
        return "FAIL (images were explained before the refusal: %r)" % out_text[:200]
    return "%s  PASS" % lines[0]


def check_static_crop():
    d = os.path.join(work, "static-crop")
    code, out_text, err = run([static, rgb, "--crop", "100", "-o", d])
    bad = ran((code, out_text, err), 2)
    if bad:
        return bad
    lines = err.splitlines()
    if not lines or static not in lines[0]:
        return "FAIL (first stderr line does not name %s: %r)" % (static, err[:300])
    if out_text.strip() or (os.path.isdir(d) and os.listdir(d)):
        return "FAIL (work done before the refusal)"
    return "%s  PASS" % lines[0]


guarded("8 -o /proc/nonexistent: exit 2 before work", lambda: check_unwritable("/proc/nonexistent"))
guarded("8 -o under a regular file: exit 2 before work",
        lambda: check_unwritable(os.path.join(unwritable_file, "out")))
guarded("8 --crop 100 on a static 64x64 model: exit 2", check_static_crop)

# ---------------------------------------------------------------- 10 @list.txt


def check_list():
    lp = os.path.join(work, "list.txt")
    photo = os.path.join(args.images, "photo.jpg")
    with open(lp, "w") as f:
        f.write("# two images\n%s\n%s\n" % (rgb, photo))
    d = fresh("list")
    code, out_text, err = run([dyn, "@" + lp, "-o", d])
    bad = ran((code, out_text, err))
    if bad:
        return bad
    files = [ln.split(":", 1)[0] for ln in out_text.splitlines() if ln.strip()]
    if files != [rgb, photo]:
        return "FAIL (stdout names %s, want %s)" % (files, [rgb, photo])
    want = ["%s.%s.png" % (s, k) for s in ("rgb", "photo") for k in ("heatmap", "overlay")]
    gone = [w for w in want if not os.path.isfile(os.path.join(d, w))]
    return "FAIL (missing %s)" % gone if gone else "2 images  PASS"


guarded("10 @list.txt with a comment line", check_list)

# ---------------------------------------------------------------- 9 (after every run above)


def check_no_tmp():
    left = [os.path.relpath(os.path.join(r, f), work) for r, _, fs in os.walk(work) for f in fs if ".tmp-" in f]
    return "FAIL (left behind: %s)" % ", ".join(sorted(left)) if left else "PASS"


guarded("9 no *.tmp-* files left in any output directory", check_no_tmp)

shutil.rmtree(work, ignore_errors=True)
finish(passed, failed)
