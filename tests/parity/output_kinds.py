#!/usr/bin/python3
# One seeded ResNet-ish model exported three ways: plain logits, with a trailing nn.Softmax and with a
# trailing nn.LogSoftmax. `evaluate` must score the three the same (probabilities are not put
# through softmax again), `forward` and `explain` must give torch's softmax of the logits. A Softmax
# over the batch axis is no classifier output: explain refuses it, naming the node.
import argparse
import json
import os
import sys
import tempfile

from parity_common import finish, run_status, skip

try:
    import numpy as np
    import torch
    from PIL import Image
except ImportError:
    skip("numpy, torch or PIL is not available")

ap = argparse.ArgumentParser(description="logits, Softmax and LogSoftmax outputs give the same probabilities")
ap.add_argument("--cli", required=True)
args = ap.parse_args()
if not os.path.isfile(args.cli):
    skip("no CLI at %s" % args.cli)

CLASSES, SIZE, TOL = 10, 32, 1e-5
PRE = ["--resize", str(SIZE), "--crop", str(SIZE), "--mean", "0.5,0.5,0.5", "--std", "0.25,0.25,0.25"]
passed = failed = 0


def report(label, ok, detail=""):
    global passed, failed
    print("%-66s %s  %s" % (label, detail, "PASS" if ok else "FAIL"))
    passed += bool(ok)
    failed += not ok


class Net(torch.nn.Module):
    """conv-bn-relu, one identity residual block, global pooling, a linear layer."""

    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.BatchNorm2d(8),
                                        torch.nn.ReLU())
        self.block = torch.nn.Sequential(torch.nn.Conv2d(8, 8, 3, padding=1), torch.nn.BatchNorm2d(8),
                                         torch.nn.ReLU(), torch.nn.Conv2d(8, 8, 3, padding=1))
        self.fc = torch.nn.Linear(8, CLASSES)

    def forward(self, x):
        h = self.stem(x)
        h = torch.relu(self.block(h) + h)
        return self.fc(torch.flatten(torch.nn.functional.adaptive_avg_pool2d(h, 1), 1))


def build(tmp):
    torch.manual_seed(12)
    net = Net()
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
        net.fc.weight.mul_(8.0)  # logits spread over several units: probabilities far from 1/10
    net.eval()
    x = torch.zeros(1, 3, SIZE, SIZE)
    paths = {}
    for kind, tail in (("logits", None), ("softmax", torch.nn.Softmax(dim=1)),
                       ("logsoftmax", torch.nn.LogSoftmax(dim=1))):
        model = net if tail is None else torch.nn.Sequential(net, tail)
        paths[kind] = os.path.join(tmp, kind + ".onnx")
        torch.onnx.export(model.eval(), x, paths[kind], opset_version=13, input_names=["x"],
                          output_names=["y"], dynamic_axes={"x": {0: "n"}, "y": {0: "n"}})
    return net, paths


def make_images(tmp):
    rng = np.random.default_rng(12)
    d = os.path.join(tmp, "images")
    os.makedirs(d)
    for i in range(3):
        pixels = rng.integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(os.path.join(d, "img%d.png" % i))
    return d


def torch_probs(net, x):
    with torch.no_grad():
        logits = net(torch.from_numpy(x)).double()
    return torch.softmax(logits, dim=1).numpy(), logits.numpy()


def check_forward(net, paths, tmp):
    x = np.random.default_rng(3).normal(0, 1, (2, 3, SIZE, SIZE)).astype(np.float32)
    xp = os.path.join(tmp, "x.npy")
    np.save(xp, x)
    want, logits = torch_probs(net, x)
    for kind, path in paths.items():
        code, out, err = run_status([args.cli, "forward", path, "--input-tensor", xp, "--json"])
        if code != 0:
            report("forward %s: top-5 probabilities = torch softmax(logits)" % kind, False,
                   "exit %s: %s" % (code, err.strip()[:80]))
            continue
        doc = json.loads(out)
        diff, same_classes = 0.0, True
        for i, img in enumerate(doc["images"]):
            order = list(np.argsort(-logits[i], kind="stable")[:5])
            same_classes &= [t["class"] for t in img["top5"]] == order
            diff = max([diff] + [abs(t["probability"] - want[i][t["class"]]) for t in img["top5"]])
        report("forward %s: top-5 probabilities = torch softmax(logits)" % kind,
               same_classes and diff <= TOL, "max diff %.2e" % diff)


def check_explain(net, paths, images):
    names = sorted(os.listdir(images))
    x = np.stack([(np.asarray(Image.open(os.path.join(images, n)), np.float32).transpose(2, 0, 1) / 255.0
                   - 0.5) / 0.25 for n in names]).astype(np.float32)
    want, _ = torch_probs(net, x)
    for kind, path in paths.items():
        code, out, err = run_status([args.cli, "explain", path, images, "--json"] + PRE)
        if code != 0:
            report("explain %s: probability = torch softmax(logits)" % kind, False,
                   "exit %s: %s" % (code, err.strip()[:80]))
            continue
        recs = {os.path.basename(r["file"]): r for r in map(json.loads, out.splitlines())}
        diff = max(abs(recs[n]["probability"] - want[i][recs[n]["target"]]) for i, n in enumerate(names))
        report("explain %s: probability = torch softmax(logits)" % kind, diff <= TOL, "max diff %.2e" % diff)


def check_evaluate(paths, images, tmp):
    scores = {}
    for kind, path in paths.items():
        out = os.path.join(tmp, "eval-" + kind)
        code, _, err = run_status([args.cli, "evaluate", path, images, "--methods",
                                   "epsilon-plus-flat,random", "-o", out] + PRE)
        if code != 0:
            report("evaluate %s runs" % kind, False, "exit %s: %s" % (code, err.strip()[:80]))
            continue
        with open(os.path.join(out, "evaluate.json")) as f:
            doc = json.load(f)
        scores[kind] = np.array([m["per_image_insertion"] + m["per_image_deletion"] for m in doc["methods"]])
    if "logits" not in scores:
        report("evaluate on the logits export", False)
        return
    base = scores["logits"]
    report("evaluate logits: scores are not 1/num_classes", np.max(np.abs(base - 1.0 / CLASSES)) > 0.05,
           "max |AUC - 0.1| %.3f" % np.max(np.abs(base - 1.0 / CLASSES)))
    for kind in ("softmax", "logsoftmax"):
        if kind in scores:
            diff = float(np.max(np.abs(scores[kind] - base)))
            report("evaluate %s: Insertion/Deletion = the logits export's" % kind, diff <= TOL,
                   "max diff %.2e" % diff)


def check_batch_softmax(net, images, tmp):
    """A Softmax over the batch axis gives no class probabilities: explain refuses it by name."""
    path = os.path.join(tmp, "batch-softmax.onnx")
    torch.onnx.export(torch.nn.Sequential(net, torch.nn.Softmax(dim=0)).eval(), torch.zeros(1, 3, SIZE, SIZE),
                      path, opset_version=13, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "n"}, "y": {0: "n"}})
    code, out, err = run_status([args.cli, "explain", path, images] + PRE)
    line = (err.strip().splitlines() or [""])[-1]
    report("explain, Softmax over the batch: exit 2 naming the Softmax node", code == 2 and "(Softmax)" in line,
           "exit %s" % code)


with tempfile.TemporaryDirectory() as tmp:
    net, paths = build(tmp)
    images = make_images(tmp)
    check_forward(net, paths, tmp)
    check_explain(net, paths, images)
    check_evaluate(paths, images, tmp)
    check_batch_softmax(net, images, tmp)
finish(passed, failed)
