#!/usr/bin/python3
# The sample model's Fashion-MNIST accuracy through `onnx-lrp forward` (first --limit test
# images) must equal PyTorch's to 0.1 points; skipped without the dataset, numpy or PIL.
import argparse
import os
import subprocess
import sys

SKIP = 77  # meson's "test skipped" exit code
DATA_DIR = "/usr/share/datasets/fashion-mnist"

ap = argparse.ArgumentParser(description="tools/fmnist_accuracy.py as a test")
ap.add_argument("--cli", required=True, help="path to the onnx-lrp executable")
ap.add_argument("--tool", required=True, help="tools/fmnist_accuracy.py")
ap.add_argument("--model", required=True, help="samples/fashion-resnet.onnx")
ap.add_argument("--limit", default="2000", help="first N test images (default 2000)")
args = ap.parse_args()

try:
    import numpy  # noqa: F401
    import PIL  # noqa: F401
except ImportError as e:
    print("SKIP: %s (apt-get install -y python3-numpy python3-pil)" % e)
    sys.exit(SKIP)
if not all(os.path.isfile(os.path.join(DATA_DIR, f)) or os.path.isfile(os.path.join(DATA_DIR, f + ".gz"))
           for f in ("train-images-idx3-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")):
    print("SKIP: no %s (apt-get install -y dataset-fashion-mnist)" % DATA_DIR)
    sys.exit(SKIP)

p = subprocess.run([sys.executable, args.tool, "--cli", args.cli, "--model", args.model,
                    "--limit", args.limit], capture_output=True, text=True)
sys.stdout.write(p.stdout)
sys.stderr.write(p.stderr)
sys.exit(0 if p.returncode == 0 else 1)
