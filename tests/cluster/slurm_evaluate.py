#!/usr/bin/env python3
"""tools/slurm/evaluate.sbatch on a real single-node Slurm cluster (slurm_cluster.py):
24 images in 4 shards, then the dependent merge job; the merged evaluate.json,
curves.svg and table must be the bytes of one `onnx-lrp evaluate`, its means those
of its per-image values (numpy). Fault cases: a shard SIGKILLed mid-run (scancel)
and resubmitted, the merge refusing a shard of another model and naming a
missing shard and the missing images. Skips (77) only when Slurm or munge is not
installed."""
import argparse
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cluster_common as cc  # noqa: E402
import slurm_cluster  # noqa: E402

METHODS = "otsuki2024+hq,random"  # an LRP method (conservation) and the index-seeded floor


def check_means(checks, path):
    import numpy as np
    doc = json.load(open(path))
    worst = 0.0
    for m in doc["methods"]:
        ins, dele = np.array(m["per_image_insertion"]), np.array(m["per_image_deletion"])
        for name, v in (("insertion", ins), ("deletion", dele), ("id", ins - dele)):
            se = v.std(ddof=1) / np.sqrt(len(v))
            worst = max(worst, abs(v.mean() - m[name]), abs(se - m[name + "_se"]))
    checks.check(worst < 1e-12 and len(doc["images"]) == 24,
                 "merged means and standard errors = numpy's over its 24 per-image values "
                 "(max diff %.1e)" % worst)


def same_bytes(a, b):
    try:
        return open(a, "rb").read() == open(b, "rb").read()
    except OSError:
        return False


def compare_run(checks, what, merged, single, table=None, single_table=None):
    for name in ("evaluate.json", "curves.svg"):
        checks.check(same_bytes(os.path.join(merged, name), os.path.join(single, name)),
                     "%s: merged %s = the single run's, byte for byte" % (what, name))
    if table is not None:
        checks.check(table == single_table, "%s: the merge job prints the single run's table"
                     % what, "%r vs %r" % (table[-200:], single_table[-200:]))


def wait_done(out_dir, at_least, timeout=120):
    """Polls a shard's status file until it has done at_least images (still running)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        st = cc.read_status(out_dir)
        if st and int(st["done"]) >= at_least:
            return st
        time.sleep(0.02)
    return cc.read_status(out_dir)


def records(shard_dir):
    d = os.path.join(shard_dir, "records")
    return {n: os.stat(os.path.join(d, n)).st_ino for n in os.listdir(d) if n.endswith(".eval")}


def slurm_clean_run(checks, c, t, args, sbatch_dir, single, single_table):
    out = os.path.join(t, "run1")
    jid = c.sbatch("--array=0-3", "-o", os.path.join(t, "logs", "%x-%A_%a.out"),
                   os.path.join(sbatch_dir, "evaluate.sbatch"), out, *args)
    mid = c.sbatch("--dependency=afterok:" + jid, "-o", os.path.join(t, "logs", "merge1.out"),
                   os.path.join(sbatch_dir, "merge.sbatch"), out)
    states = c.wait_job(mid)
    tasks = c.wait_job(jid)
    if not checks.check(list(states.values()) == ["COMPLETED"] and len(tasks) == 4 and
                        set(tasks.values()) == {"COMPLETED"},
                        "array job (4 tasks) and dependent merge job completed",
                        "%s %s (logs: %s)" % (tasks, states, os.listdir(os.path.join(t, "logs")))):
        return None
    table = open(os.path.join(t, "logs", "merge1.out")).read()
    compare_run(checks, "4 shards on Slurm", os.path.join(out, "merged"), single, table,
                single_table)
    check_means(checks, os.path.join(out, "merged", "evaluate.json"))
    return out


def slurm_killed_run(checks, c, t, cli, args, sbatch_dir, single):
    out = os.path.join(t, "run2")
    jid = c.sbatch("--array=0-3", "-o", os.path.join(t, "logs", "%x-%A_%a.out"),
                   os.path.join(sbatch_dir, "evaluate.sbatch"), out, *args)
    shard1 = os.path.join(out, "shard-1")
    st = wait_done(shard1, 1)
    before = records(shard1) if os.path.isdir(os.path.join(shard1, "records")) else {}
    c.run("scancel", "--signal=KILL", "--full", jid + "_1")
    tasks = c.wait_job(jid)
    st = cc.read_status(shard1)
    killed = tasks.get(jid + "_1") != "COMPLETED" and st.get("state") == "running"
    checks.check(killed and 0 < int(st["done"]) < int(st["total"]),
                 "shard 1 SIGKILLed mid-run: %s images of %s recorded, status 'running'" %
                 (st.get("done"), st.get("total")), "%s %s" % (tasks, st))
    code, _, err = cc.run([cli, "merge", os.path.join(t, "run2-early"),
                           *[os.path.join(out, "shard-%d" % k) for k in range(4)]], cwd=t)
    checks.check(code == 2 and "missing" in err and "shard 1/4" in err and
                 not os.path.exists(os.path.join(t, "run2-early", "evaluate.json")),
                 "merge before the resubmission: exit 2, the missing images named, nothing "
                 "written", "exit %d: %s" % (code, err.strip()[-300:]))
    j3 = c.sbatch("--array=1", "-o", os.path.join(t, "logs", "%x-%A_%a.out"),
                  os.path.join(sbatch_dir, "evaluate.sbatch"), out, *args, env={"SHARDS": "4"})
    m3 = c.sbatch("--dependency=afterok:" + j3, "-o", os.path.join(t, "logs", "merge2.out"),
                  os.path.join(sbatch_dir, "merge.sbatch"), out)
    states = c.wait_job(m3)
    checks.check(list(states.values()) == ["COMPLETED"], "resubmitted shard 1 and merge "
                 "completed", str(states))
    after = records(shard1)
    kept = all(after.get(n) == ino for n, ino in before.items())
    checks.check(bool(before) and kept, "the resubmitted shard kept the %d records made "
                 "before the kill (same files, not recomputed)" % len(before))
    compare_run(checks, "killed and resubmitted", os.path.join(out, "merged"), single)


def merge_refusals(checks, t, cli, args, samples, run1):
    other = os.path.join(t, "other", "shard-2")
    model = os.path.join(samples, "fashion-resnet.onnx")  # BN folded: another file
    code, _, err = cc.run([cli, "evaluate", model] + args[1:] + ["--shard", "2/4", "-o", other],
                          cwd=t)
    dirs = [os.path.join(run1, "shard-%d" % k) for k in range(4)]
    code, _, err = cc.run([cli, "merge", os.path.join(t, "mixed"), dirs[0], dirs[1], other,
                           dirs[3]], cwd=t)
    checks.check(code == 2 and other in err and "another model" in err and
                 not os.path.exists(os.path.join(t, "mixed", "evaluate.json")),
                 "merge refuses a shard made with another model, naming it",
                 "exit %d: %s" % (code, err.strip()))
    code, _, err = cc.run([cli, "merge", os.path.join(t, "three"), dirs[0], dirs[1], dirs[3]],
                          cwd=t)
    checks.check(code == 2 and "missing shard 2/4" in err and len(err.strip().splitlines()) <= 2
                 and not os.path.exists(os.path.join(t, "three", "evaluate.json")),
                 "merge names the missing shard 2/4", "exit %d: %s" % (code, err.strip()))
    code, out, err = cc.run([cli, "status"] + dirs, cwd=t)
    checks.check(code == 0 and out.splitlines()[-1].startswith("all: 24/24 images") and
                 "finished" in out.splitlines()[-1], "status sums the 4 shards",
                 out + err)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--samples", required=True)
    ap.add_argument("--sbatch-dir", required=True)
    a = ap.parse_args()
    missing = slurm_cluster.missing_programs()
    if missing:
        print("SKIP: not installed: " + " ".join(missing))
        sys.exit(cc.SKIP)
    if os.geteuid() != 0:
        sys.exit("FAIL: slurmd needs root to run jobs (SlurmUser=root)")
    cli = os.path.abspath(a.cli)
    checks = cc.Checks()
    with tempfile.TemporaryDirectory(prefix="onnx-lrp-slurm-") as t:
        os.makedirs(os.path.join(t, "logs"))
        os.makedirs(os.path.join(t, "slurm"), mode=0o700)
        images, csv = cc.make_images(a.samples, t)
        args = [os.path.join(a.samples, "fashion-resnet-bn.onnx"), images, "--labels-csv", csv,
                "--methods", METHODS]
        single = os.path.join(t, "single")
        code, single_table, err = cc.run([cli, "evaluate"] + args + ["-o", single], cwd=t)
        if not checks.check(code == 0, "single-process evaluate of 24 images", err):
            checks.finish()
        with slurm_cluster.SlurmCluster(os.path.join(t, "slurm")) as c:
            c.cwd = t
            c.env["ONNX_LRP"] = cli
            run1 = slurm_clean_run(checks, c, t, args, a.sbatch_dir, single, single_table)
            if run1:
                slurm_killed_run(checks, c, t, cli, args, a.sbatch_dir, single)
        if run1:
            merge_refusals(checks, t, cli, args, a.samples, run1)
    checks.finish()


if __name__ == "__main__":
    main()
