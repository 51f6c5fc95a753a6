#!/usr/bin/python3
# Trains the sample model: a small torchvision-style ResNet (torchvision's own BasicBlock) on
# Fashion-MNIST at 64x64, CPU, seeded; writes the two ONNX exports, labels, sample images and
# the training log into samples/.
import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image
from torchvision.models.resnet import BasicBlock

import fmnist
import resnet_onnx

HERE = os.path.dirname(os.path.abspath(__file__))


class FashionResNet(nn.Module):
    """torchvision's ResNet layout (conv1/bn1/relu/maxpool, layer1..4, avgpool, fc) with narrow
    widths. The 7x7/2 stem + maxpool of torchvision turns 64x64 into 16x16 at layer1, enough for
    28x28 garments upsampled to 64. layer1 keeps the shape (identity shortcuts); layer2..4 halve
    it and double the width (first block: 1x1 conv + BN projection shortcut)."""

    def __init__(self, widths=(16, 32, 64, 128), blocks=(2, 2, 2, 2), num_classes=10):
        super().__init__()
        self.inplanes = widths[0]
        self.conv1 = nn.Conv2d(3, widths[0], kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(widths[0], blocks[0], 1)
        self.layer2 = self._make_layer(widths[1], blocks[1], 2)
        self.layer3 = self._make_layer(widths[2], blocks[2], 2)
        self.layer4 = self._make_layer(widths[3], blocks[3], 2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(widths[3], num_classes)
        for m in self.modules():  # torchvision's initialisation
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def _make_layer(self, planes, blocks, stride):
        downsample = None
        if stride != 1 or self.inplanes != planes:
            downsample = nn.Sequential(nn.Conv2d(self.inplanes, planes, 1, stride, bias=False),
                                       nn.BatchNorm2d(planes))
        layers = [BasicBlock(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes
        layers += [BasicBlock(planes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def batch_tensor(pixels, idx, mean, std, flip=None):
    """uint8 (N, 64, 64) rows idx -> normalized (B, 3, 64, 64), mirrored where flip is True;
    the same arithmetic as fmnist.normalize (ToTensor then Normalize)."""
    x = (pixels[idx].float() / 255 - mean) / std
    if flip is not None:
        x = torch.where(flip[:, None, None], x.flip(-1), x)
    return x[:, None].expand(-1, 3, -1, -1)


def train(model, pixels, labels, mean, std, args):
    """SGD + Nesterov momentum under a OneCycle schedule; a seeded generator fixes the order and
    the horizontal flips of every epoch."""
    g = torch.Generator().manual_seed(args.seed)
    steps = (len(labels) + args.batch - 1) // args.batch
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True,
                          weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.epochs * steps)
    epoch_times = []
    for epoch in range(args.epochs):
        model.train()
        t0, loss_sum, correct = time.time(), 0.0, 0
        perm = torch.randperm(len(labels), generator=g)
        flips = torch.rand(len(labels), generator=g) < 0.5
        for s in range(steps):
            idx = perm[s * args.batch:(s + 1) * args.batch]
            x, y = batch_tensor(pixels, idx, mean, std, flips[idx]), labels[idx]
            out = model(x)
            loss = F.cross_entropy(out, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += float(loss) * len(idx)
            correct += int((out.argmax(1) == y).sum())
        epoch_times.append(time.time() - t0)
        print("epoch %d/%d  loss %.4f  train acc %.2f%%  %.0fs" % (
            epoch + 1, args.epochs, loss_sum / len(labels), 100.0 * correct / len(labels),
            epoch_times[-1]), flush=True)
    return epoch_times


def predict(model, images, mean, std, batch=500):
    """Predicted class of every image, preprocessed exactly as fmnist_accuracy.py does it."""
    model.eval()
    preds = []
    with torch.no_grad():
        for i in range(0, len(images), batch):
            x = fmnist.normalize(fmnist.resize_crop(images[i:i + batch]), mean, std)
            preds.append(model(torch.from_numpy(x)).argmax(1).numpy())
    return np.concatenate(preds)


def write_images(outdir, images, labels, preds):
    """The first two test images of each class that the model classifies correctly, as the
    dataset's 28x28 grayscale PNGs, plus labels.csv. Returns the test-set indices chosen."""
    imgdir = os.path.join(outdir, "images")
    os.makedirs(imgdir, exist_ok=True)
    rows, chosen = ["file,label"], []
    for c in range(len(fmnist.CLASSES)):
        idx = np.flatnonzero((labels == c) & (preds == c))[:2]
        for k, i in enumerate(idx):
            name = "%02d-%s-%d.png" % (c, fmnist.SLUGS[c], k)
            Image.fromarray(images[i], mode="L").save(os.path.join(imgdir, name))
            rows.append("%s,%d" % (name, c))
            chosen.append(int(i))
    with open(os.path.join(imgdir, "labels.csv"), "w") as f:
        f.write("\n".join(rows) + "\n")
    return chosen


def export_models(model, outdir, mean, std):
    """fashion-resnet.onnx (BN folded) and fashion-resnet-bn.onnx (BN kept), with metadata."""
    props = resnet_onnx.preprocessing_props(fmnist.SIZE, fmnist.SIZE, (mean,) * 3, (std,) * 3,
                                            fmnist.CLASSES)
    sizes = {}
    for name, bn in (("fashion-resnet.onnx", "fold"), ("fashion-resnet-bn.onnx", "keep")):
        path = os.path.join(outdir, name)
        resnet_onnx.export(model, path, fmnist.SIZE, bn=bn, opset=13)
        resnet_onnx.set_metadata(path, props)
        sizes[name] = os.path.getsize(path)
    return sizes


def parse_args():
    ap = argparse.ArgumentParser(
        description="Train the Fashion-MNIST sample ResNet (CPU, seeded) and write samples/.")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(HERE), "samples"),
                    help="output directory (default: samples/ of this repository)")
    ap.add_argument("--epochs", type=int, default=5, help="training epochs (default 5)")
    ap.add_argument("--batch", type=int, default=128, help="batch size (default 128)")
    ap.add_argument("--lr", type=float, default=0.2, help="OneCycle peak learning rate (default 0.2)")
    ap.add_argument("--seed", type=int, default=0, help="seed of weights, order and flips (default 0)")
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    ap.add_argument("--subset", type=int, default=0,
                    help="train on the first N training images only (default: all 60000)")
    ap.add_argument("--data-dir", default=fmnist.DATA_DIR,
                    help="Fashion-MNIST IDX files (default %s)" % fmnist.DATA_DIR)
    return ap.parse_args()


def main():
    args = parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    if not fmnist.available(args.data_dir):
        sys.exit("error: no Fashion-MNIST IDX files in %s (apt-get install -y dataset-fashion-mnist)"
                 % args.data_dir)
    os.makedirs(args.out, exist_ok=True)
    t_start, load_start = time.time(), os.getloadavg()[0]
    train_x, train_y = fmnist.load("train", args.data_dir)
    test_x, test_y = fmnist.load("test", args.data_dir)
    mean, std = fmnist.mean_std(train_x)  # of the full training set, whatever --subset says
    if args.subset:
        train_x, train_y = train_x[:args.subset], train_y[:args.subset]
    print("train %d, test %d images; mean %g, std %g" % (len(train_y), len(test_y), mean, std))
    args.n_train = len(train_y)
    pixels = torch.from_numpy(fmnist.resize_crop(train_x))  # (60000, 64, 64) uint8, 245 MB
    model = FashionResNet()
    args.epoch_times = train(model, pixels, torch.from_numpy(train_y.astype(np.int64)), mean, std, args)
    t_train = time.time() - t_start
    preds = predict(model, test_x, mean, std)
    acc = 100.0 * float((preds == test_y).mean())
    print("test accuracy (PyTorch): %.2f%% (%d/%d)" % (acc, int((preds == test_y).sum()), len(test_y)))
    sizes = export_models(model, args.out, mean, std)
    with open(os.path.join(args.out, "fashion_mnist_labels.txt"), "w") as f:
        f.write("\n".join(fmnist.CLASSES) + "\n")
    with open(os.path.join(args.out, "fashion_mnist_test_predictions.txt"), "w") as f:
        f.write("".join("%d\n" % p for p in preds))
    chosen = write_images(args.out, test_x, test_y, preds)
    timing = "time: training %.0f s (epochs %s s), total %.0f s wall, %.0f s CPU; load average %.1f " \
        "at start, %.1f at end (the 2 cores are shared with other jobs)" % (
            t_train, " ".join("%.0f" % t for t in args.epoch_times), time.time() - t_start,
            time.process_time(), load_start, os.getloadavg()[0])
    write_log(args, mean, std, acc, preds, test_y, timing, sizes, chosen)


def write_log(args, mean, std, acc, preds, test_y, timing, sizes, chosen):
    """samples/train_log.txt; fmnist_accuracy.py reads the 'test_accuracy_pytorch' line."""
    params = sum(p.numel() for p in FashionResNet().parameters())
    lines = [
        "command: %s" % " ".join(["tools/train_sample.py"] + sys.argv[1:]),
        "torch %s, torchvision %s, %d threads, %d CPUs" % (
            torch.__version__, __import__("torchvision").__version__, args.threads, os.cpu_count()),
        "model: FashionResNet (torchvision BasicBlock x [2,2,2,2], widths 16-32-64-128, "
        "7x7/2 conv1 + maxpool), %d parameters" % params,
        "data: Fashion-MNIST %d train / %d test, 28x28 -> PIL bilinear 64x64, gray x3, "
        "normalize mean %g std %g; random horizontal flips" % (args.n_train, len(test_y), mean, std),
        "schedule: %d epochs, batch %d, SGD nesterov momentum 0.9, wd 5e-4, OneCycle max_lr %g, "
        "seed %d" % (args.epochs, args.batch, args.lr, args.seed),
        timing,
        "test_accuracy_pytorch: %.2f" % acc,
        "test_correct_pytorch: %d/%d" % (int((preds == test_y).sum()), len(test_y)),
        "models: " + ", ".join("%s %.2f MB" % (n, s / 1e6) for n, s in sizes.items()),
        "images: first two correctly classified test images per class, test indices %s"
        % " ".join(map(str, chosen)),
        "predictions: fashion_mnist_test_predictions.txt (PyTorch class of each test image)",
    ]
    with open(os.path.join(args.out, "train_log.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
