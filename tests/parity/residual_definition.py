#!/usr/bin/python3
# Which Adds are residual split points (method §8): `inspect` (text and
# --json) must mark exactly the Adds where a shortcut meets a residual
# function, and list every other Add of two activations with its reason:
# two parallel linear branches of one input, a tensor plus a branch that
# does not start from it, two branches without a shared block input; and
# explain --json must list the same Adds with the same reasons. A
# torchvision MobileNetV2's inverted-residual Adds (no Relu after the Add,
# ReLU6 = Clip inside the block) are identity shortcuts.
import argparse
import json
import os
import subprocess
import tempfile

from parity_common import finish, skip

try:
    import numpy as np
    import torch
    import torch.nn as nn
except ImportError as e:
    skip("%s is not available" % e.name)

ap = argparse.ArgumentParser(description="onnx-lrp inspect: residual and other Adds")
ap.add_argument("--cli", required=True)
args = ap.parse_args()
passed = failed = 0


def report(label, ok, detail):
    global passed, failed
    print("%-44s %s  %s" % (label, detail, "PASS" if ok else "FAIL"))
    passed += ok
    failed += not ok


def conv(cin, cout, k=3):
    return nn.Conv2d(cin, cout, k, padding=k // 2)


def pool(x):
    """GlobalAveragePool + Flatten in the export."""
    return torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)


class ParallelBranches(nn.Module):
    """stem -> conv3x3 + conv1x1 of the stem: a sum of two linear branches."""

    def __init__(self):
        super().__init__()
        self.stem, self.a, self.b, self.fc = conv(3, 4), conv(4, 4), conv(4, 4, 1), nn.Linear(4, 3)

    def forward(self, x):
        s = torch.relu(self.stem(x))
        return self.fc(pool(torch.relu(self.a(s) + self.b(s))))


class UnrelatedBranches(nn.Module):
    """s1 + conv(s2) where conv(s2) does not start from s1; then the sum of
    two pooled features, neither of which is a block input."""

    def __init__(self):
        super().__init__()
        self.c1, self.c2, self.c3, self.c4, self.fc = conv(3, 4), conv(3, 4), conv(4, 4), conv(4, 4), nn.Linear(4, 3)

    def forward(self, x):
        s1, s2 = torch.relu(self.c1(x)), torch.relu(self.c2(x))
        u, v = s1 + self.c3(s2), torch.relu(self.c4(s1))
        return self.fc(pool(u) + pool(v))


def export(model, path, size):
    torch.manual_seed(0)
    model.eval()
    torch.onnx.export(model, torch.zeros(1, 3, size, size), path, opset_version=13,
                      input_names=["input"], output_names=["logits"])


def inspect(path):
    text = subprocess.run([args.cli, "inspect", path], capture_output=True, text=True)
    js = subprocess.run([args.cli, "inspect", path, "--json"], capture_output=True, text=True)
    if text.returncode or js.returncode:
        raise RuntimeError((text.stderr or js.stderr).strip())
    return text.stdout, json.loads(js.stdout)


def check(label, path, size, kinds, reasons):
    """kinds: the residual Adds' kinds; reasons: a phrase per unclassified Add."""
    try:
        text, info = inspect(path)
    except (RuntimeError, ValueError) as e:
        report(label, False, "onnx-lrp failed: %s" % e)
        return
    got_kinds = sorted(r["kind"] for r in info["residual_adds"])
    report(label + ": residual Adds", got_kinds == sorted(kinds), "kinds %s" % got_kinds)
    got = [u["reason"] for u in info.get("unclassified_adds", [])]
    ok = len(got) == len(reasons) and all(p in r for p, r in zip(reasons, got))
    report(label + ": other Adds (--json)", ok, "reasons %s" % got)
    lines = [u["node"] + ": " + u["reason"] for u in info.get("unclassified_adds", [])]
    report(label + ": other Adds (text)", bool(ok and all(line in text for line in lines)),
           "%d listed" % sum(line in text for line in lines))
    xp = os.path.join(os.path.dirname(path), "x.npy")
    np.save(xp, np.random.default_rng(1).standard_normal((1, 3, size, size)).astype(np.float32))
    run = subprocess.run([args.cli, "explain", path, "--input-tensor", xp, "--json"],
                         capture_output=True, text=True)
    try:
        rec = json.loads(run.stdout.splitlines()[0])
        listed = [(u["node"], u["reason"]) for u in rec["unclassified_adds"]]
    except (ValueError, IndexError, KeyError) as e:
        report(label + ": other Adds (explain --json)", False, "no unclassified_adds: %r %s" % (
            e, run.stderr.strip()))
        return
    want = [(u["node"], u["reason"]) for u in info.get("unclassified_adds", [])]
    report(label + ": other Adds (explain --json)", ok and listed == want, "%d listed" % len(listed))


with tempfile.TemporaryDirectory(prefix="onnx-lrp-residual-") as tmp:
    torch.manual_seed(0)
    p = os.path.join(tmp, "parallel.onnx")
    export(ParallelBranches(), p, 16)
    check("parallel branches", p, 16, [], ["through no Relu or Clip"])
    p = os.path.join(tmp, "unrelated.onnx")
    export(UnrelatedBranches(), p, 16)
    check("unrelated branches", p, 16, [], ["does not lead back to block input", "neither operand"])
    try:
        import torchvision
    except ImportError:
        print("torchvision is not available: MobileNetV2 not checked")
    else:
        p = os.path.join(tmp, "mobilenet_v2.onnx")
        export(torchvision.models.mobilenet_v2(num_classes=10, width_mult=0.35), p, 32)
        check("MobileNetV2 (inverted residuals)", p, 32, ["identity"] * 10, [])
finish(passed, failed)
