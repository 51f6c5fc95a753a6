#!/usr/bin/python3
# Exports a torchvision ResNet (the user's weights or seeded random ones) to ONNX as onnx-lrp
# reads it best, with preprocessing and labels in metadata_props, then checks that
# `onnx-lrp forward` gives PyTorch's logits.
import argparse
import os
import sys

import torch
import torchvision

import resnet_onnx

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_CLI = os.path.join(REPO, "build", "onnx-lrp")
EPILOG = """\
architectures: %s

examples:
  # your fine-tuned ResNet-50 (state_dict saved with torch.save(model.state_dict(), ...))
  tools/export_resnet.py resnet50 --weights my_resnet50.pth --labels classes.txt -o my_resnet50.onnx
  # ImageNet class names, BatchNorm kept as separate nodes, opset 17
  tools/export_resnet.py resnet18 --weights resnet18.pth --labels samples/imagenet_classes.txt \\
      --bn keep --opset 17 -o resnet18-bn.onnx
  # random weights (seeded; heatmaps are meaningless, useful to test the tool chain)
  tools/export_resnet.py resnext50_32x4d -o /tmp/resnext.onnx

Without --weights the weights are random (torch.manual_seed(--seed)) and the BatchNorm
statistics and affine parameters are randomised too, so that folding them is exercised.
The parity check runs `onnx-lrp forward` on a seeded N(0,1) batch of 2 and passes when
max|onnx-lrp - PyTorch| <= 1e-4 * max|PyTorch logit|; exit code 1 otherwise.
"""


def architectures():
    """torchvision's ResNet-family constructors (resnet18 ... resnext101_64x4d)."""
    return sorted(n for n in torchvision.models.resnet.__all__
                  if n[0].islower() and callable(getattr(torchvision.models.resnet, n)))


def parse_args():
    ap = argparse.ArgumentParser(
        description="Export a torchvision ResNet to ONNX for onnx-lrp: dynamic batch axis, "
                    "BatchNorm kept or folded, preprocessing and class names in metadata_props "
                    "(onnx_lrp.resize/crop/mean/std/labels), then an `onnx-lrp forward` parity check.",
        epilog=EPILOG % ", ".join(architectures()), formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("arch", choices=architectures(), metavar="ARCH", help="torchvision architecture name")
    ap.add_argument("-o", "--output", required=True, metavar="OUT.onnx", help="ONNX file to write")
    ap.add_argument("--weights", metavar="PTH",
                    help="state dict (torch.save(model.state_dict())); default: seeded random weights")
    ap.add_argument("--num-classes", type=int,
                    help="classes of the fc layer (default: from --weights, else 1000)")
    ap.add_argument("--seed", type=int, default=0, help="seed of random weights and test input (default 0)")
    ap.add_argument("--bn", choices=("fold", "keep"), default="fold",
                    help="fold BatchNorm into the Convs (default) or keep BatchNormalization nodes")
    ap.add_argument("--opset", type=int, default=13, help="ONNX opset (default 13; onnx-lrp reads 11-17)")
    ap.add_argument("--size", type=int, default=224, help="input height = width of the export (default 224)")
    ap.add_argument("--resize", type=int, help="onnx_lrp.resize: shorter side before the crop "
                    "(default: size * 256/224, i.e. 256 for 224)")
    ap.add_argument("--crop", type=int, help="onnx_lrp.crop: center crop (default: --size)")
    ap.add_argument("--mean", type=float, nargs=3, default=resnet_onnx.IMAGENET_MEAN, metavar=("R", "G", "B"),
                    help="onnx_lrp.mean (default ImageNet: 0.485 0.456 0.406)")
    ap.add_argument("--std", type=float, nargs=3, default=resnet_onnx.IMAGENET_STD, metavar=("R", "G", "B"),
                    help="onnx_lrp.std (default ImageNet: 0.229 0.224 0.225)")
    ap.add_argument("--labels", metavar="FILE",
                    help="class names, one per line, stored as onnx_lrp.labels (default: none; "
                         "samples/imagenet_classes.txt has ImageNet-1k's)")
    ap.add_argument("--cli", default=DEFAULT_CLI if os.path.isfile(DEFAULT_CLI) else None,
                    help="onnx-lrp executable for the parity check (default: build/onnx-lrp of this "
                         "repository if built); 'none' skips the check")
    return ap.parse_args()


def load_weights(path):
    """A state dict from torch.save(model.state_dict()) (or a checkpoint dict holding one under
    'state_dict' or 'model', or a pickled model); DataParallel's 'module.' prefixes removed."""
    sd = torch.load(path, map_location="cpu")
    if isinstance(sd, torch.nn.Module):  # a whole pickled model
        sd = sd.state_dict()
    for key in ("state_dict", "model"):
        if isinstance(sd, dict) and isinstance(sd.get(key), dict):
            sd = sd[key]
    if not isinstance(sd, dict) or "fc.weight" not in {k.replace("module.", "", 1) for k in sd}:
        sys.exit("error: %s holds no ResNet state dict (no fc.weight)" % path)
    return {(k[7:] if k.startswith("module.") else k): v for k, v in sd.items()}


def randomize_bn(model, seed):
    """Random running statistics and affine parameters, so that BN folding is really tested
    (torchvision initialises mean 0, var 1, weight 1, bias 0)."""
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                c = m.num_features
                m.running_mean.copy_(0.1 * torch.randn(c, generator=g))
                m.running_var.copy_(0.5 + torch.rand(c, generator=g))
                m.weight.copy_(0.5 + torch.rand(c, generator=g))
                m.bias.copy_(0.1 * torch.randn(c, generator=g))


def build(args):
    """The model in eval mode, with the user's weights or seeded random ones."""
    torch.manual_seed(args.seed)
    sd = load_weights(args.weights) if args.weights else None
    classes = args.num_classes or (sd["fc.weight"].shape[0] if sd else 1000)
    model = getattr(torchvision.models, args.arch)(weights=None, num_classes=classes)
    if sd:
        model.load_state_dict(sd)
    else:
        randomize_bn(model, args.seed)
    return model.eval(), classes


def main():
    args = parse_args()
    labels = resnet_onnx.read_labels(args.labels) if args.labels else None
    model, classes = build(args)
    if labels and len(labels) != classes:
        sys.exit("error: %s has %d names for %d classes" % (args.labels, len(labels), classes))
    resnet_onnx.export(model, args.output, args.size, bn=args.bn, opset=args.opset)
    resize = args.resize or int(round(args.size * 256 / 224))
    props = resnet_onnx.preprocessing_props(resize, args.crop or args.size, args.mean, args.std, labels)
    resnet_onnx.set_metadata(args.output, props)
    origin = "weights from " + args.weights if args.weights else "seeded random weights (seed %d)" % args.seed
    print("wrote %s: %s, %s, %d classes, BN %s, opset %d, input (N, 3, %d, %d), %.1f MB" % (
        args.output, args.arch, origin, classes, "folded" if args.bn == "fold" else "kept",
        args.opset, args.size, args.size, os.path.getsize(args.output) / 1e6))
    print("metadata: " + ", ".join("%s=%s" % (k, v if k != "onnx_lrp.labels" else "%d names" % len(labels))
                                   for k, v in props.items()))
    if not args.cli or args.cli == "none":
        print("parity: not checked (no onnx-lrp; build it or pass --cli)")
        return
    ok, msg = resnet_onnx.cli_parity(args.cli, model, args.output, args.size, seed=args.seed)
    print("parity with PyTorch (onnx-lrp forward, batch of 2): " + msg)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
