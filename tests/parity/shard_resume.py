#!/usr/bin/python3
# evaluate --shard, resume and merge (issue 18) on 7 inputs, one of them a broken file:
# the shards merged give the single run's evaluate.json, curves.svg and table byte for
# byte (failures included); a rerun reuses every record (same files) and prints the same;
# --force and other options recompute; a half-written record is never read back as done;
# merge refuses a shard of other options, a shard given twice, and names missing ones; a merge
# and a rerun that reads every image from its record warm no method up (timing.json's
# setup_seconds 0, where a run that computes reports its warm-up).
import argparse
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from resume_common import BROKEN, Resume, inodes, read, sample_images  # noqa: E402

ap = argparse.ArgumentParser(description="sharded, resumable evaluate and merge")
ap.add_argument("--cli", required=True, help="path to the onnx-lrp executable")
ap.add_argument("--samples", required=True, help="samples/ (the sample model and images)")
args = ap.parse_args()
cli = os.path.abspath(args.cli)
checks = Resume(cli)
report, run = checks.report, checks.run


tmp = tempfile.mkdtemp(prefix="shard-resume-")
images, _ = sample_images(args.samples, tmp, 6)  # BROKEN fails in shard 1 of 3
csv = os.path.join(tmp, "labels.csv")
with open(os.path.join(args.samples, "images", "labels.csv")) as f, open(csv, "w") as g:
    g.write(f.read() + BROKEN + ",0\n")
model = os.path.join(args.samples, "fashion-resnet-bn.onnx")
base = [model, images, "--labels-csv", csv, "--methods", "epsilon-plus-flat,random",
        "--step", "410", "--threads", "2"]


def evaluate(out, *more):
    return run("evaluate", *base, "-o", out, *more)


def setup_seconds(out):
    """{method: timing.json's setup_seconds} of the run written to out ({} without it)."""
    text = read(os.path.join(out, "timing.json"))
    return {m["method"]: m["setup_seconds"] for m in json.loads(text)["methods"]} if text else {}


def same_outputs(a, b):
    return all(read(os.path.join(a, n)) is not None and
               read(os.path.join(a, n)) == read(os.path.join(b, n))
               for n in ("evaluate.json", "curves.svg"))


single = os.path.join(tmp, "single")
code, table, err = evaluate(single)
report("single run: 6 images evaluated, the broken one reported (exit 1)",
       code == 1 and "00-tshirt-0b.png" in err and read(os.path.join(single, "evaluate.json")),
       "exit %d: %s" % (code, err.strip()))

shards = [os.path.join(tmp, "shard-%d" % k) for k in range(3)]
codes = [evaluate(shards[k], "--shard", "%d/3" % k)[0] for k in range(3)]
report("3 shards ran (the one with the broken image exits 1)", codes == [0, 1, 0], str(codes))
merged = os.path.join(tmp, "merged")
code, mtable, err = run("merge", merged, *shards[::-1])  # any order
report("merge: exit 1 (the broken image), same table as the single run",
       code == 1 and mtable == table and "00-tshirt-0b.png" in err,
       "exit %d: %s" % (code, err.strip()))
report("merge: evaluate.json and curves.svg = the single run's, byte for byte",
       same_outputs(merged, single))
first = setup_seconds(shards[0])
report("shard 0 computed: epsilon-plus-flat reports its warm-up (setup_seconds > 0)",
       first.get("epsilon-plus-flat", 0) > 0, str(first))
report("merge computes nothing and warms no method up (setup_seconds 0)",
       setup_seconds(merged) == {"epsilon-plus-flat": 0, "random": 0}, str(setup_seconds(merged)))
code, _, _ = evaluate(shards[0], "--shard", "0/3")
report("shard 0 rerun, every image from its record: no method warmed up",
       code == 0 and setup_seconds(shards[0]) == {"epsilon-plus-flat": 0, "random": 0},
       "exit %d, %s" % (code, setup_seconds(shards[0])))

before = inodes(single)
code, table2, _ = evaluate(single)
report("rerun: every record reused (the same %d files), same table and outputs" % len(before),
       code == 1 and table2 == table and inodes(single) == before and len(before) == 6 and
       same_outputs(single, merged))
code, _, _ = evaluate(single, "--force")
after = inodes(single)
report("--force: every record written again", code == 1 and
       all(after[n] != before[n] for n in before) and same_outputs(single, merged))

if len(after) < 3:
    checks.finish(1)  # no records at all: the rest cannot run
victim = os.path.join(single, "records", sorted(after)[2])
whole = read(victim)
with open(victim, "wb") as f:
    f.write(whole[:len(whole) // 2])  # what a crash inside a non-atomic write would leave
code, _, _ = evaluate(single)
report("a half record is not taken as done: recomputed, outputs unchanged",
       code == 1 and read(victim) == whole and same_outputs(single, merged))

other = os.path.join(tmp, "other-step")
code, _, _ = run("evaluate", *base[:-4], "--step", "820", "--threads", "2", "-o", other,
                 "--shard", "1/3")
code, _, err = run("merge", os.path.join(tmp, "m2"), shards[0], other, shards[2])
line = (err.strip().splitlines() or [""])[0]
report("merge refuses a shard of other options (--step), naming it",
       code == 2 and other in line and "other options" in line and
       not os.path.exists(os.path.join(tmp, "m2", "evaluate.json")), line)
code, _, err = run("merge", os.path.join(tmp, "m3"), shards[0], shards[0], shards[2])
line = (err.strip().splitlines() or [""])[0]
report("merge refuses a shard given twice", code == 2 and "given twice" in line, line)
code, _, err = run("merge", os.path.join(tmp, "m4"), shards[2])
line = (err.strip().splitlines() or [""])[0]
report("merge names the missing shards 0/3 and 1/3",
       code == 2 and "0/3, 1/3" in line and not os.path.exists(os.path.join(tmp, "m4")), line)
os.remove(os.path.join(shards[0], "records", "00-tshirt-0.eval"))
code, _, err = run("merge", os.path.join(tmp, "m5"), *shards)
report("merge names an image whose record is gone, writes nothing",
       code == 2 and "00-tshirt-0.png: missing: shard 0/3" in err and
       not os.path.exists(os.path.join(tmp, "m5", "evaluate.json")), err.strip())
code, out, _ = run("status", *shards)
report("status: one line per shard and the sum",
       code == 0 and out.splitlines()[-1].startswith("all: 7/7 images, 1 failed"), out)

shutil.rmtree(tmp)
checks.finish()
