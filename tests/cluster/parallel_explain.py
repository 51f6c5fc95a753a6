#!/usr/bin/env python3
"""The GNU parallel recipe for explain (local jobs standing for hosts): 4 shards of the
24 images on 2 job slots; together their heatmaps, overlays and relevance .npy files
are the single run's, file for file and byte for byte, and no image is in two shards;
`onnx-lrp merge` gives the single run's report.json but for the values of forward_ms
and explain_ms (timings), its stdout and its files. Skips (77) only when GNU parallel
is not installed."""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cluster_common as cc  # noqa: E402


TIMINGS = re.compile(rb'"(forward_ms|explain_ms)":[-+0-9.eE]+')


def without_timings(path):
    with open(path, "rb") as f:
        return TIMINGS.sub(rb'"\1_ms":0', f.read())


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
        out = os.path.join(t, "out")  # the single run's folder, and then the merge's
        code, single_stdout, err = cc.run(args + ["-o", out])
        os.rename(out, single)
        checks.check(code == 0 and len(outputs(single)) == 72, "single run: 24 images, 72 files",
                     err)
        code, _, err = cc.run([parallel, "-j", "2", "--halt", "now,fail=1"] + args +
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
        shards = [os.path.join(t, "shard-%d" % k) for k in range(4)]
        code, merged_stdout, err = cc.run([cli, "merge", out] + shards)
        same_files = os.path.isdir(out) and outputs(out) == outputs(single) and all(
            open(os.path.join(out, n), "rb").read() == open(os.path.join(single, n), "rb").read()
            for n in outputs(single))
        checks.check(code == 0 and merged_stdout == single_stdout and same_files,
                     "merge: the single run's stdout and its 72 files in OUT", err)
        merged = os.path.join(out, "report.json")
        checks.check(os.path.exists(merged) and
                     without_timings(merged) == without_timings(os.path.join(single,
                                                                             "report.json")),
                     "merge: report.json = the single run's, forward_ms and explain_ms aside")
        rec = os.path.join(shards[2], "records")
        before = {n: os.stat(os.path.join(rec, n)).st_ino
                  for n in (os.listdir(rec) if os.path.isdir(rec) else [])}
        code, rerun_stdout, err = cc.run(args + ["--shard", "2/4", "-o", shards[2]])
        after = {n: os.stat(os.path.join(shards[2], "records", n)).st_ino for n in before}
        checks.check(code == 0 and len(before) == 6 and before == after and
                     rerun_stdout == "".join(line + "\n" for line in single_stdout.splitlines()
                                              if any(line.startswith(os.path.join(images, n))
                                                     for n in sorted(os.listdir(images))[2::4])),
                     "rerun of shard 2/4: its 6 records kept, the same lines printed", err)
    checks.finish()


if __name__ == "__main__":
    main()
