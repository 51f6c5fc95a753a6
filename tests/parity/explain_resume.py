#!/usr/bin/python3
# explain -o resumes and merges (issue 18) on 5 inputs, one a broken file: a rerun keeps
# every record and writes the same report.json byte for byte, retrying only the failure;
# --force and other options explain again; a half-written record is never taken as done;
# merge of explain shards names a missing image (and then writes nothing) and refuses a
# shard of evaluate.
import argparse
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from resume_common import Resume, inodes, read, sample_images  # noqa: E402

ap = argparse.ArgumentParser(description="resumable explain and its merge")
ap.add_argument("--cli", required=True, help="path to the onnx-lrp executable")
ap.add_argument("--samples", required=True, help="samples/ (the sample model and images)")
args = ap.parse_args()
cli = os.path.abspath(args.cli)
checks = Resume(cli)
report, run = checks.report, checks.run


tmp = tempfile.mkdtemp(prefix="explain-resume-")
images, _ = sample_images(args.samples, tmp, 4)
model = os.path.join(args.samples, "fashion-resnet-bn.onnx")
base = ["explain", model, images, "--preset", "otsuki2024", "--threads", "2"]
out = os.path.join(tmp, "out")
heatmap = os.path.join(out, "00-tshirt-0.heatmap.png")

code, first, err = run(*base, "-o", out)
rep1 = read(os.path.join(out, "report.json"))
records = inodes(out)
report("first run: 4 explained and recorded, the broken one reported (exit 1)",
       code == 1 and rep1 and len(records) == 5 and "00-tshirt-0b.png" in err,
       "exit %d, %d records: %s" % (code, len(records), err.strip()))
code, again, err = run(*base, "-o", out)
now = inodes(out)
kept = [n for n in records if n != "00-tshirt-0b.explain" and now.get(n) == records[n]]
report("rerun: the 4 records kept, the failure retried, same stdout and report.json bytes",
       code == 1 and len(kept) == 4 and now["00-tshirt-0b.explain"] != records[
           "00-tshirt-0b.explain"] and again == first and
       read(os.path.join(out, "report.json")) == rep1, "exit %d, kept %s" % (code, kept))
code, _, _ = run(*base, "-o", out, "--force")
forced = inodes(out)
report("--force: every record written again",
       code == 1 and all(forced[n] != now[n] for n in now))
victim = os.path.join(out, "records", "00-tshirt-1.explain")
whole = read(victim) or b""
if whole:
    with open(victim, "wb") as f:
        f.write(whole[:len(whole) // 2])  # what a crash inside a non-atomic write would leave
code, again, _ = run(*base, "-o", out)
report("a half record is not taken as done: explained again, same stdout",
       code == 1 and again == first and whole and read(victim) is not None and
       len(read(victim)) > len(whole) // 2)
picture = read(heatmap)
code, _, _ = run(*base, "-o", out, "--colormap", "gray")
report("other options (--colormap gray): explained again, the heatmap redrawn",
       code == 1 and read(heatmap) not in (None, picture))

shards = [os.path.join(tmp, "shard-%d" % k) for k in range(2)]
for k in range(2):
    run(*base, "--shard", "%d/2" % k, "-o", shards[k])
gone = os.path.join(shards[1], "records", "01-trouser-0.explain")  # index 3: shard 1 of 2
if os.path.exists(gone):
    os.remove(gone)
merged = os.path.join(tmp, "merged")
code, _, err = run("merge", merged, *shards)
report("merge names the image whose record is gone, writes nothing",
       code == 2 and "01-trouser-0.png: missing: shard 1/2" in err and
       (not os.path.isdir(merged) or not os.listdir(merged)), "exit %d: %s" % (code, err.strip()))
ev = os.path.join(tmp, "eval-shard")
run("evaluate", model, images, "--methods", "random", "--shard", "1/2", "-o", ev)
code, _, err = run("merge", merged, shards[0], ev)
report("merge refuses an evaluate shard among explain shards",
       code == 2 and ev in err and "a shard of evaluate, not of explain" in err, err.strip())

shutil.rmtree(tmp)
checks.finish()
