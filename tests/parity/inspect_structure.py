#!/usr/bin/python3
# Residual structure: `onnx-lrp inspect MODEL --json` must list as many residual Adds, and as
# many projection Adds, as the manifest records from each fixture's model definition.
import argparse
import json
import os

from parity_common import finish, load_fixtures, run

KEYS = {"node", "kind", "mainstream", "shortcut", "block_input"}

ap = argparse.ArgumentParser(description="onnx-lrp inspect --json vs manifest residual counts")
ap.add_argument("--cli", required=True, help="path to the onnx-lrp executable")
ap.add_argument("--fixtures", required=True, help="directory with manifest.json")
ap.add_argument("--large-dir", help="directory generated with gen_fixtures.py --large")
args = ap.parse_args()


def check(fx, stdout):
    try:
        adds = json.loads(stdout)["residual_adds"]
    except (ValueError, KeyError, TypeError) as e:
        return "FAIL (no residual_adds in JSON: %s)" % e
    bad = [a for a in adds if not isinstance(a, dict) or not KEYS <= set(a)
           or a["kind"] not in ("identity", "projection")]
    if bad:
        return "FAIL (malformed entry %s)" % json.dumps(bad[0])
    if len({json.dumps(a["node"]) for a in adds}) != len(adds):
        return "FAIL (duplicate Add nodes)"
    proj = sum(a["kind"] == "projection" for a in adds)
    got, want = (len(adds), proj), (fx["residual_adds"], fx["projection_adds"])
    return "adds %d projection %d (expected %d/%d)  %s" % (got + want + ("PASS" if got == want else "FAIL",))


passed = failed = 0
for d, fx in load_fixtures(args.fixtures, args.large_dir):
    ok, out, err = run([args.cli, "inspect", os.path.join(d, fx["file"]), "--json"])
    verdict = check(fx, out) if ok else "FAIL (onnx-lrp inspect %s)" % err
    print("%-22s %s" % (fx["name"], verdict))
    passed += verdict.endswith("PASS")
    failed += not verdict.endswith("PASS")
finish(passed, failed)
