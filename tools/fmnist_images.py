#!/usr/bin/python3
# Writes the first N Fashion-MNIST test images as 28x28 PNGs with labels.csv
# (file,label), the input of `onnx-lrp evaluate` on the sample model.
import argparse
import os
import sys

from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fmnist  # noqa: E402

ap = argparse.ArgumentParser(description=__doc__)
ap.add_argument("out", help="output folder")
ap.add_argument("-n", type=int, default=500, help="how many test images (default 500)")
args = ap.parse_args()
if not fmnist.available():
    sys.exit("fmnist_images: install dataset-fashion-mnist first")
images, labels = fmnist.load("test")
os.makedirs(args.out, exist_ok=True)
with open(os.path.join(args.out, "labels.csv"), "w") as f:
    f.write("file,label\n")
    for i in range(min(args.n, len(images))):
        name = "test-%05d.png" % i
        Image.fromarray(images[i], mode="L").save(os.path.join(args.out, name))
        f.write("%s,%d\n" % (name, labels[i]))
print("wrote %d images and labels.csv to %s" % (min(args.n, len(images)), args.out))
