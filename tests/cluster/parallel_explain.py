#!/usr/bin/env python3
"""The GNU parallel recipe for explain (local jobs standing for hosts): 4 shards of the
24 images on 2 job slots; together their heatmaps, overlays and relevance .npy files
are the single run's, file for file and byte for byte, and no image is in two shards.
Skips (77) only when GNU parallel is not installed."""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cluster_common as cc  # noqa: E402


def outputs(d):
    return {n for n in os.listdir(d) if n.endswith((".png", ".npy"))}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--samples", required=True)
    a = ap.parse_args()
    parallel = shutil.which("parallel")
    if not parallel:
        print("SKIP: GNU parallel is not installed")
        sys.exit(cc.SKIP)
    cli = os.path.abspath(a.cli)
    checks = cc.Checks()
    with tempfile.TemporaryDirectory(prefix="onnx-lrp-parallel-") as t:
        images, _ = cc.make_images(a.samples, t)
        args = [cli, "explain", os.path.join(a.samples, "fashion-resnet-bn.onnx"), images,
                "--preset", "otsuki2024", "--save-relevance"]
        single = os.path.join(t, "single")
        code, _, err = cc.run(args + ["-o", single])
        checks.check(code == 0 and len(outputs(single)) == 72, "single run: 24 images, 72 files",
                     err)
        code, out, err = cc.run([parallel, "-j", "2", "--halt", "now,fail=1"] + args +
                                ["--threads", "1", "--shard", "{}/4", "-o",
                                 os.path.join(t, "shard-{}"), ":::", "0", "1", "2", "3"])
        checks.check(code == 0, "parallel -j 2 ... --shard {}/4 ::: 0 1 2 3", err[-500:])
        seen, dup, differ = set(), set(), []
        for k in range(4):
            d = os.path.join(t, "shard-%d" % k)
            files = outputs(d) if os.path.isdir(d) else set()
            dup |= seen & files
            seen |= files
            differ += [n for n in files if open(os.path.join(d, n), "rb").read() !=
                       open(os.path.join(single, n), "rb").read()]
        checks.check(seen == outputs(single) and not dup and not differ,
                     "the shards' %d files = the single run's, byte for byte, none twice" %
                     len(seen), "missing %s, twice %s, differ %s" %
                     (sorted(outputs(single) - seen)[:5], sorted(dup)[:5], differ[:5]))
    checks.finish()


if __name__ == "__main__":
    main()
