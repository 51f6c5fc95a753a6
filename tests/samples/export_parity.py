#!/usr/bin/python3
# tools/export_resnet.py on resnet18 with seeded random weights: the export must carry the
# onnx_lrp.* metadata and `onnx-lrp forward` must match PyTorch (the tool's own check).
import argparse
import os
import subprocess
import sys

SKIP = 77  # meson's "test skipped" exit code

ap = argparse.ArgumentParser(description="export_resnet.py resnet18 + onnx-lrp forward parity")
ap.add_argument("--cli", required=True, help="path to the onnx-lrp executable")
ap.add_argument("--tool", required=True, help="tools/export_resnet.py")
ap.add_argument("--workdir", required=True, help="where to write export-resnet18.onnx")
args = ap.parse_args()

try:
    import numpy  # noqa: F401
    import onnx
    import torch  # noqa: F401
    import torchvision  # noqa: F401
except ImportError as e:
    print("SKIP: %s" % e)
    sys.exit(SKIP)

out = os.path.join(args.workdir, "export-resnet18.onnx")
p = subprocess.run([sys.executable, args.tool, "resnet18", "--cli", args.cli, "-o", out],
                   capture_output=True, text=True)
sys.stdout.write(p.stdout)
sys.stderr.write(p.stderr[-4000:])
if p.returncode != 0:
    print("FAIL: export_resnet.py exited with %d" % p.returncode)
    sys.exit(1)
if "PASS" not in p.stdout:
    print("FAIL: no parity verdict in the tool's output")
    sys.exit(1)
m = onnx.load(out, load_external_data=False)
props = {e.key: e.value for e in m.metadata_props}
want = {"onnx_lrp.resize": "256", "onnx_lrp.crop": "224",
        "onnx_lrp.mean": "0.485,0.456,0.406", "onnx_lrp.std": "0.229,0.224,0.225"}
bad = {k: props.get(k) for k, v in want.items() if props.get(k) != v}
batch = m.graph.input[0].type.tensor_type.shape.dim[0]
if bad or not batch.dim_param or any(n.op_type == "BatchNormalization" for n in m.graph.node):
    print("FAIL: metadata %s, batch dim %r, BN nodes left: %s" % (
        bad or "ok", batch.dim_param or batch.dim_value,
        any(n.op_type == "BatchNormalization" for n in m.graph.node)))
    sys.exit(1)
os.remove(out)  # 47 MB
print("PASS: export, metadata, dynamic batch, BN folded, forward parity")
