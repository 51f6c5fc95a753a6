#!/usr/bin/python3
# Fashion-MNIST test accuracy of an ONNX model as `onnx-lrp forward` computes it, next to the
# PyTorch accuracy that train_sample.py recorded; exit 1 when they differ by more than 0.1 points.
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

import fmnist

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = os.path.join(REPO, "samples")


def parse_args():
    ap = argparse.ArgumentParser(
        description="Run `onnx-lrp forward` over the Fashion-MNIST test set (preprocessed as in "
                    "training: PIL bilinear resize to 64, center crop 64, normalize, gray to RGB) "
                    "and compare its accuracy with PyTorch's from samples/train_log.txt.")
    ap.add_argument("--cli", default=os.path.join(REPO, "build", "onnx-lrp"), help="onnx-lrp executable")
    ap.add_argument("--model", default=os.path.join(SAMPLES, "fashion-resnet.onnx"), help="ONNX model")
    ap.add_argument("--limit", type=int, default=0, help="only the first N test images (default: all)")
    ap.add_argument("--batch", type=int, default=500, help="images per forward call (default 500)")
    ap.add_argument("--tolerance", type=float, default=0.1,
                    help="allowed difference to PyTorch in percentage points (default 0.1)")
    ap.add_argument("--data-dir", default=fmnist.DATA_DIR, help="Fashion-MNIST IDX files")
    ap.add_argument("--train-log", default=os.path.join(SAMPLES, "train_log.txt"),
                    help="the log holding test_accuracy_pytorch")
    ap.add_argument("--predictions", default=os.path.join(SAMPLES, "fashion_mnist_test_predictions.txt"),
                    help="PyTorch's class per test image, for the accuracy on the first N (--limit)")
    return ap.parse_args()


def logged_accuracy(path):
    """test_accuracy_pytorch from train_sample.py's log (percent over all 10000 images)."""
    with open(path) as f:
        for line in f:
            if line.startswith("test_accuracy_pytorch:"):
                return float(line.split(":", 1)[1])
    sys.exit("error: no test_accuracy_pytorch line in %s" % path)


def forward_classes(args, images, mean, std, tmp):
    """onnx-lrp's predicted class of each image, one forward call per batch of args.batch."""
    preds = []
    for i in range(0, len(images), args.batch):
        xin, yout = os.path.join(tmp, "x.npy"), os.path.join(tmp, "y.npy")
        np.save(xin, fmnist.normalize(fmnist.resize_crop(images[i:i + args.batch]), mean, std))
        try:
            p = subprocess.run([args.cli, "forward", args.model, "--input-tensor", xin,
                                "--output-tensor", yout], capture_output=True, text=True)
        except OSError as e:
            sys.exit("error: cannot run %s: %s" % (args.cli, e))
        if p.returncode != 0:
            sys.exit("error: onnx-lrp forward failed on images %d..%d (exit %d): %s"
                     % (i, i + args.batch - 1, p.returncode, p.stderr.strip()))
        logits = np.load(yout)
        if logits.shape != (min(args.batch, len(images) - i), len(fmnist.CLASSES)):
            sys.exit("error: logits of shape %s for a batch of %d" % (logits.shape, len(images) - i))
        preds.append(logits.argmax(1))
    return np.concatenate(preds)


def pytorch_reference(args, n, labels):
    """(accuracy in %, predictions or None) of PyTorch on the first n test images."""
    full = logged_accuracy(args.train_log)
    if os.path.isfile(args.predictions):
        ref = np.loadtxt(args.predictions, dtype=np.int64)
        if n <= len(ref):
            return 100.0 * float((ref[:n] == labels[:n]).mean()), ref[:n]
    if n != 10000:  # the logged accuracy is over the whole test set only
        sys.exit("error: %s is needed to compare on the first %d images" % (args.predictions, n))
    return full, None


def main():
    args = parse_args()
    if not fmnist.available(args.data_dir):
        sys.exit("error: no Fashion-MNIST IDX files in %s (apt-get install -y dataset-fashion-mnist)"
                 % args.data_dir)
    train_x, _ = fmnist.load("train", args.data_dir)
    mean, std = fmnist.mean_std(train_x)  # the values train_sample.py normalized with
    images, labels = fmnist.load("test", args.data_dir)
    if args.limit:
        images, labels = images[:args.limit], labels[:args.limit]
    n = len(labels)
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="onnx-lrp-fmnist-") as tmp:
        preds = forward_classes(args, images, mean, std, tmp)
    ours = 100.0 * float((preds == labels).mean())
    ref, ref_preds = pytorch_reference(args, n, labels)
    print("model     %s" % args.model)
    print("images    %d (Fashion-MNIST test set%s), %.1f s" % (
        n, ", first %d" % n if args.limit else "", time.time() - t0))
    print("onnx-lrp  %.2f%% (%d/%d)" % (ours, int((preds == labels).sum()), n))
    print("PyTorch   %.2f%% (all 10000 images: %.2f%%, %s)" % (ref, logged_accuracy(args.train_log),
                                                               os.path.basename(args.train_log)))
    if ref_preds is not None:
        print("agreement %d/%d images get the same class" % (int((preds == ref_preds).sum()), n))
    ok = abs(ours - ref) <= args.tolerance + 1e-9
    print("difference %.2f points (limit %g): %s" % (abs(ours - ref), args.tolerance,
                                                     "PASS" if ok else "FAIL"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
