"""`onnx-lrp evaluate` throughput of two binaries on the same inputs, alternating (issue 13's
evaluate target): images x methods per second of each, the wall clock of the whole process
(model load included), medians over rounds. Cases: 'sample', the sample model on the first
Fashion-MNIST test images (tools/fmnist_images.py) with the default methods; 'resnet50', a
ResNet-50 (resnets.onnx_file: seeded random weights) on seeded 224x224 RGB images with random
labels, otsuki2024+hq, gradient and random at the default step (ceil(224*224 / 100) = 502
pixels, the paper's 500). Each run writes into a fresh folder (a reused one would resume from
its records)."""
import json
import os
import resource
import statistics
import subprocess
import time

import resnets

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = ("sample", "resnet50")
R50_METHODS = "otsuki2024+hq,gradient,random"
SAMPLE_METHODS = 8  # evaluate's default --methods
SAMPLE_MODEL = os.path.join(ROOT, "samples", "fashion-resnet-bn.onnx")


def sample_case(tmp, images):
    """evaluate's arguments for the sample model on 'images' Fashion-MNIST images, the images and
    the methods; CalledProcessError when tools/fmnist_images.py cannot write them."""
    d = os.path.join(tmp, "fmnist")
    subprocess.run([os.path.join(ROOT, "tools", "fmnist_images.py"), d, "-n", str(images)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    argv = [SAMPLE_MODEL, d, "--labels-csv", os.path.join(d, "labels.csv")]
    return argv, images, SAMPLE_METHODS


def r50_case(tmp, models, images, step, exporter):
    """evaluate's arguments for ResNet-50 (models/resnet50.onnx, exported with the onnx-lrp
    'exporter' when missing) on 'images' pictures (--step 'step', 0: the default), the images
    and the methods."""
    from PIL import Image
    import numpy as np

    model = resnets.onnx_file(models, "resnet50", exporter)
    d = os.path.join(tmp, "r50")
    os.makedirs(d)
    rng = np.random.default_rng(13)
    with open(os.path.join(d, "labels.csv"), "w") as f:
        f.write("file,label\n")
        for i in range(images):  # smooth random pictures: 14x14 noise, upsampled
            small = rng.integers(0, 256, (14, 14, 3), dtype=np.uint8)
            name = "img-%02d.png" % i
            Image.fromarray(small).resize((224, 224), Image.BILINEAR).save(os.path.join(d, name))
            f.write("%s,%d\n" % (name, int(rng.integers(0, 1000))))
    argv = [model, d, "--labels-csv", os.path.join(d, "labels.csv"), "--methods", R50_METHODS]
    argv += ["--step", str(step)] if step else []
    return argv, images, len(R50_METHODS.split(","))


def run_once(cli, argv, threads, out):
    """Wall and CPU seconds of one evaluate run, and its evaluate.json."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    subprocess.run([cli, "evaluate"] + argv + ["--threads", str(threads), "-o", out],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    with open(os.path.join(out, "evaluate.json")) as f:
        return wall, cpu, json.load(f)


def auc_difference(a, b):
    """The largest difference of a per-image Insertion or Deletion AUC between two
    evaluate.json documents."""
    worst = 0.0
    for ma, mb in zip(a["methods"], b["methods"]):
        for key in ("per_image_insertion", "per_image_deletion"):
            worst = max([worst] + [abs(x - y) for x, y in zip(ma[key], mb[key])])
    return worst


def measure(name, case, tmp, old, new, rounds, threads, log=None):
    """Runs case = (argv, images, methods) with the binaries old and new alternately 'rounds'
    times; log(line), when given, hears of each run. Returns the medians: images x methods per
    second ('old', 'new') and CPU seconds ('old_cpu', 'new_cpu'), the command ('command'), the
    largest per-image AUC difference ('auc') and the case's size."""
    argv, images, methods = case
    work = images * methods
    rates = {"old": [], "new": []}
    cpus = {"old": [], "new": []}
    docs = {}
    for r in range(rounds):
        for who, cli in (("old", old), ("new", new)):
            wall, cpu, docs[who] = run_once(cli, argv, threads,
                                            os.path.join(tmp, "%s-%s-%d" % (name, who, r)))
            rates[who].append(work / wall)
            cpus[who].append(cpu)
            if log:
                log("  %-8s round %d %-3s %7.1f s wall %7.1f s CPU  %6.3f images x methods/s" %
                    (name, r + 1, who, wall, cpu, work / wall))
    return {"name": name, "images": images, "methods": methods, "rounds": rounds,
            "old": statistics.median(rates["old"]), "new": statistics.median(rates["new"]),
            "old_cpu": statistics.median(cpus["old"]), "new_cpu": statistics.median(cpus["new"]),
            "command": "evaluate %s --threads %s" % (" ".join(os.path.basename(a) for a in argv),
                                                     threads),
            "auc": auc_difference(docs["old"], docs["new"])}


def summary(m, old="old", new="new"):
    """Two lines on one measure() result, calling the binaries 'old' and 'new'."""
    return ("%s: %d images x %d methods, `%s`\n"
            "%s: %s %.3f, %s %.3f images x methods/s (medians of %d), %s/%s %.2f; CPU s "
            "%s %.1f, %s %.1f; largest per-image AUC difference %.2g" %
            (m["name"], m["images"], m["methods"], m["command"], m["name"], old, m["old"], new,
             m["new"], m["rounds"], new, old, m["new"] / m["old"], old, m["old_cpu"], new,
             m["new_cpu"], m["auc"]))
