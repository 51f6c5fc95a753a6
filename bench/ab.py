#!/usr/bin/python3
"""Two onnx-lrp binaries on one model, alternating: has a change made the engine
slower? Forward (--repeat 10) and explanation (--repeat 5) times as each binary
reports them in its --json, over --rounds alternating rounds; prints the
medians and new/old. Arguments after the input go to the new binary only
(e.g. --backend openblas, to compare like with like, or --precision bf16 with
one binary as both); --preset P explains with P on both.

  bench/ab.py OLD/onnx-lrp build/onnx-lrp build/bench-models/resnet50.onnx x.npy --backend openblas
  bench/ab.py build/onnx-lrp build/onnx-lrp resnet50.onnx x.npy --preset otsuki2024 --precision bf16
"""
import argparse
import json
import statistics
import subprocess

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
ap.add_argument("old")
ap.add_argument("new")
ap.add_argument("model")
ap.add_argument("input", help="a float32 (N,C,H,W) .npy")
ap.add_argument("--threads", default="2")
ap.add_argument("--rounds", type=int, default=3)
ap.add_argument("--preset", help="the explanation's (default: onnx-lrp's)")
args, new_extra = ap.parse_known_args()


def timed(cli, command, repeat, extra):
    out = subprocess.run([cli, command, args.model, "--input-tensor", args.input, "--repeat",
                          str(repeat), "--threads", args.threads, "--json"] + extra,
                         capture_output=True, text=True, check=True).stdout
    # forward prints one (indented) object, explain one object per image and line
    j = json.loads(out) if command == "forward" else json.loads(out.splitlines()[0])
    return j["forward_ms"] + j.get("explain_ms", 0.0)


times = {k: [] for k in ("old forward", "new forward", "old explanation", "new explanation")}
for _ in range(args.rounds):
    for who, cli, extra in (("old", args.old, []), ("new", args.new, new_extra)):
        times[who + " forward"].append(timed(cli, "forward", 10, extra))
        preset = ["--preset", args.preset] if args.preset else []
        times[who + " explanation"].append(timed(cli, "explain", 5, preset + extra))
median = {k: statistics.median(v) for k, v in times.items()}
for k, v in times.items():
    print("%-16s median %7.1f ms  (%s)" % (k, median[k], ", ".join("%.1f" % t for t in v)))
print("forward new/old %.3f, explanation new/old %.3f" %
      (median["new forward"] / median["old forward"],
       median["new explanation"] / median["old explanation"]))
