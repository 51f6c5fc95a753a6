#!/usr/bin/python3
# The ResNet families people export (tests/families/families.py, built here
# from a seed): for each, `inspect` must mark one residual Add per block
# with the right kind, mainstream M, shortcut S and block input B (read off
# the exporter's module scopes, not off our pass); the forward must match
# onnxruntime within 1e-4 x max|logit|; the gradient preset torch autograd
# (float64) within 1e-4; zero-bias epsilon-plus-flat with the ratio split
# must conserve (sum R_in + sum absorbed = seed within 1e-4); and
# otsuki2024 must split every residual Add by the ratio rule.
import argparse
import json
import os
import shutil
import sys
import tempfile

from parity_common import compare, finish, run, skip

try:
    import numpy as np
    import onnx
    import torch
except ImportError as e:
    skip("%s is not available" % e.name)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "families"))
import families  # noqa: E402

ap = argparse.ArgumentParser(description="onnx-lrp on the ResNet families")
ap.add_argument("--cli", required=True)
ap.add_argument("--ort-dir", required=True, help="tests/ort (run.js + node_modules)")
ap.add_argument("--family", action="append", help="only these (default: all)")
args = ap.parse_args()
TOL, TARGET = 1e-4, 3
passed = failed = 0


def report(label, ok, detail):
    global passed, failed
    print("%-52s %s  %s" % (label, detail, "PASS" if ok else "FAIL"))
    passed += bool(ok)
    failed += not ok


def verdict(label, line):
    """A compare() line: its numbers, and its PASS/FAIL as the verdict."""
    report(label, line.endswith("PASS"), line.rsplit(" ", 1)[0].strip())


def cli_json(cmd, lines=True):
    """The JSON onnx-lrp prints: one object per line, or one (inspect)."""
    ok, out, err = run([args.cli] + cmd)
    if not ok:
        raise RuntimeError(err)
    return [json.loads(line) for line in out.splitlines() if line.strip()] if lines else json.loads(out)


def expected_blocks(model_path, blocks):
    """Per block scope: (kind, B, shortcut scope), B = the data input of the
    block's submodule that reads it, from the exported graph's names."""
    g = onnx.load(model_path).graph
    out = {}
    for scope, kind, b_module, shortcut in blocks:
        readers = [n.input[0] for n in g.node if n.name.startswith("%s/%s/" % (scope, b_module))]
        out[scope] = (kind, readers[0] if readers else None, "%s/%s" % (scope, shortcut))
    return out


def check_structure(name, path, blocks):
    info = cli_json(["inspect", path, "--json"], lines=False)
    got = info["residual_adds"]
    report(name + ": residual Adds", len(got) == len(blocks), "%d found, %d blocks" % (len(got), len(blocks)))
    producer = {o: n.name for n in onnx.load(path).graph.node for o in n.output}
    for scope, (kind, b, shortcut) in expected_blocks(path, blocks).items():
        adds = [r for r in got if r["node"].startswith(scope + "/")]
        if len(adds) != 1:
            report("%s %s" % (name, scope), False, "%d residual Adds in the block" % len(adds))
            continue
        r = adds[0]
        s_scope, m_scope = producer.get(r["shortcut"], ""), producer.get(r["mainstream"], "")
        ok_s = r["shortcut"] == b if kind == "identity" else s_scope.startswith(shortcut + "/")
        ok_m = m_scope.startswith(scope + "/") and not m_scope.startswith(shortcut + "/")
        report("%s %s" % (name, scope), r["kind"] == kind and r["block_input"] == b and ok_s and ok_m,
               "%s, B %s, S from %s, M from %s" % (r["kind"], r["block_input"], s_scope or r["shortcut"],
                                                  m_scope))
    unclassified = info.get("unclassified_adds", [])
    report(name + ": no unclassified Add", not unclassified, "%s" % [u["reason"] for u in unclassified])
    return len(got)


def check_forward(name, path, xp, net, x, tmp):
    with torch.no_grad():
        ref = net(torch.tensor(x, dtype=torch.float64)).numpy()
    yp = os.path.join(tmp, "y.npy")
    ok, _, err = run([args.cli, "forward", path, "--input-tensor", xp, "--output-tensor", yp])
    if not ok:
        report(name + ": forward", False, "onnx-lrp failed: " + err)
        return
    node, run_js = shutil.which("node"), os.path.join(args.ort_dir, "run.js")
    if node and os.path.isdir(os.path.join(args.ort_dir, "node_modules", "onnxruntime-node")):
        ortp = os.path.join(tmp, "ort.npy")
        ok, _, err = run([node, run_js, path, xp, ortp])
        if ok:
            verdict(name + ": forward vs onnxruntime", compare(yp, ortp, TOL, "onnxruntime"))
        else:
            report(name + ": forward vs onnxruntime", False, "onnxruntime failed: " + err)
    else:
        print("onnxruntime-node not available: %s forward checked against torch only" % name)
    verdict(name + ": forward vs torch (float64)", compare(yp, ref, TOL, "torch"))


def check_gradient(name, path, xp, net, x, tmp):
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(net(xt)[0, TARGET], xt)
    rp = os.path.join(tmp, "grad.npy")
    ok, _, err = run([args.cli, "explain", path, "--input-tensor", xp, "--preset", "gradient",
                      "--target", str(TARGET), "--relevance-out", rp])
    if not ok:
        report(name + ": gradient vs torch autograd", False, "onnx-lrp failed: " + err)
        return
    verdict(name + ": gradient vs torch autograd", compare(rp, grad.numpy(), TOL, "torch autograd"))


def check_lrp(name, path, xp, n_residual):
    base = ["explain", path, "--input-tensor", xp, "--target", str(TARGET), "--json"]
    try:
        rec = cli_json(base + ["--preset", "epsilon-plus-flat", "--zero-bias", "--split", "ratio"])[0]
        err = rec["conservation_error"] + sum(leak["absorbed"] for leak in rec["leaks"])
        report(name + ": zero-bias ratio split conserves", abs(err) <= TOL,
               "|cons_err + absorbed| %.2e" % abs(err))
    except (RuntimeError, ValueError, KeyError, IndexError) as e:
        report(name + ": zero-bias ratio split conserves", False, "onnx-lrp failed: %s" % e)
    try:
        rec = cli_json(base + ["--preset", "otsuki2024"])[0]
        adds = rec["residual_adds"]
        shares = [r["mainstream_share"] for r in adds]
        report(name + ": otsuki2024 ratio split at every Add",
               rec["split"] == "ratio" and len(adds) == n_residual and not rec["unclassified_adds"],
               "split %s, %d Adds, mainstream shares %s" % (rec["split"], len(adds),
                                                             ", ".join("%.2f" % s for s in shares)))
    except (RuntimeError, ValueError, KeyError, IndexError) as e:
        report(name + ": otsuki2024 ratio split at every Add", False, "onnx-lrp failed: %s" % e)


with tempfile.TemporaryDirectory(prefix="onnx-lrp-families-") as tmp:
    for name in args.family or sorted(families.FAMILIES):
        path, xp = os.path.join(tmp, name + ".onnx"), os.path.join(tmp, name + ".npy")
        net, shape, blocks = families.build(name, path)
        x = np.random.default_rng(5).standard_normal(shape).astype(np.float32)
        np.save(xp, x)
        try:
            n_residual = check_structure(name, path, blocks)
        except (RuntimeError, ValueError) as e:
            report(name + ": inspect", False, "onnx-lrp failed: %s" % e)
            continue
        check_forward(name, path, xp, net, x, tmp)
        check_gradient(name, path, xp, net, x, tmp)
        check_lrp(name, path, xp, n_residual)
finish(passed, failed)
