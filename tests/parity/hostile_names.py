#!/usr/bin/python3
# Names from a model file never reach a terminal or a JSON reader as raw
# bytes. Seeded copies of a small model get node and tensor names with bytes
# of invalid UTF-8 and control characters (the same bytes swapped in, so the
# protobuf framing stays valid; every occurrence of a name, so the graph
# still links, or one, so it does not). inspect, inspect --json, forward
# --json and explain --json must then exit 0 or 2, write stdout and stderr
# that decode as strict UTF-8 without control characters other than newline,
# and, with --json and exit 0, lines that parse as JSON. A directory entry
# with such bytes, skipped by explain, is named the same way.
import argparse
import json
import os
import random
import subprocess
import tempfile
import unicodedata

from parity_common import finish, skip

try:
    import numpy as np
    import onnx
except ImportError as e:
    skip("%s is not available" % e.name)

ap = argparse.ArgumentParser(description="onnx-lrp output with hostile names in the model")
ap.add_argument("--cli", required=True)
ap.add_argument("--fixtures", required=True)
ap.add_argument("--copies", type=int, default=40)
args = ap.parse_args()

# stray continuation bytes, lead bytes without their tail, overlong and
# surrogate leads, bytes never valid in UTF-8, ESC and the C1 CSI
HOSTILE = [0x80, 0xBF, 0xC3, 0xE2, 0xF0, 0xC0, 0xC1, 0xED, 0xF5, 0xFE, 0xFF, 0x1B, 0x9B, 0x07]
model_path = os.path.join(args.fixtures, "basic-op13.onnx")
raw = open(model_path, "rb").read()
m = onnx.load(model_path)
names = set(n.name for n in m.graph.node)
for n in m.graph.node:
    names.update(list(n.input) + list(n.output))
names.update(i.name for i in m.graph.initializer)
names = sorted(n.encode() for n in names if len(n) >= 4 and raw.count(n.encode()) > 0)
passed = failed = 0


def mutate(rng):
    """A copy of the model with one name's bytes partly replaced."""
    name = rng.choice(names)
    new = bytearray(name)
    for _ in range(rng.randint(1, 3)):
        new[rng.randrange(len(new))] = rng.choice(HOSTILE)
    if rng.random() < 0.5:
        return raw.replace(name, bytes(new)), name, bytes(new), "every"
    at = raw.find(name)
    return raw[:at] + bytes(new) + raw[at + len(name):], name, bytes(new), "one"


def problems(stream, data):
    try:
        text = data.decode("utf-8", errors="strict")
    except UnicodeDecodeError as e:
        return ["%s is not UTF-8 (%s)" % (stream, e.reason)]
    bad = sorted(set("U+%04X" % ord(c) for c in text if c != "\n" and unicodedata.category(c) == "Cc"))
    return ["%s has control characters %s" % (stream, ", ".join(bad))] if bad else []


def check(cmd, json_lines):
    p = subprocess.run(cmd, capture_output=True, timeout=120)
    found = [] if p.returncode in (0, 2) else ["exit %d" % p.returncode]
    found += problems("stdout", p.stdout) + problems("stderr", p.stderr)
    if json_lines and p.returncode == 0 and not found:
        try:  # one pretty object (inspect) or JSON Lines (forward, explain)
            out = p.stdout.decode()
            [json.loads(out)] if out.lstrip().startswith("{\n") else [
                json.loads(line) for line in out.splitlines() if line.strip()]
        except ValueError as e:
            found.append("stdout is not JSON (%s)" % e)
    return found


rng = random.Random(11)
with tempfile.TemporaryDirectory(prefix="onnx-lrp-names-") as tmp:
    x = os.path.join(tmp, "x.npy")
    np.save(x, np.load(os.path.join(args.fixtures, "basic-op13.input.npy"))[:1])
    for i in range(args.copies):
        data, old, new, where = mutate(rng)
        path = os.path.join(tmp, "m%d.onnx" % i)
        with open(path, "wb") as f:
            f.write(data)
        commands = [(["inspect", path], False), (["inspect", path, "--json"], True),
                    (["forward", path, "--input-tensor", x, "--json"], True),
                    (["explain", path, "--input-tensor", x, "--json"], True)]
        found = []
        for cmd, is_json in commands:
            found += ["%s: %s" % (cmd[0] + (" --json" if is_json else ""), p)
                      for p in check([args.cli] + cmd, is_json)]
        label = "copy %2d: %s -> %s (%s)" % (i, old.decode(), repr(new)[2:-1], where)
        print("%-64s %s" % (label[:64], "; ".join(found) + "  FAIL" if found else "PASS"))
        passed += not found
        failed += bool(found)
    # a directory entry is a name from outside too: one that is no image file
    images = os.path.join(tmp, "images")
    os.mkdir(images)
    with open(os.path.join(os.fsencode(images), b"notes\xff\x1b[2J.txt"), "wb") as f:
        f.write(b"not an image")
    found = check([args.cli, "explain", model_path, images, "-o", os.path.join(tmp, "out")], False)
    print("%-64s %s" % ("a directory entry named notes\\xff\\x1b[2J.txt",
                        "; ".join(found) + "  FAIL" if found else "PASS"))
    passed += not found
    failed += bool(found)
finish(passed, failed)
