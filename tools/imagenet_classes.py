#!/usr/bin/python3
# Writes samples/imagenet_classes.txt: the 1000 ImageNet-1k class names, one per line, in class
# index order, from torchvision's own weight metadata (no download involved).
import argparse
import os

import torchvision


def categories():
    """torchvision's ImageNet-1k names (0.14: models._meta, else the ResNet weights' meta)."""
    try:
        from torchvision.models._meta import _IMAGENET_CATEGORIES
        return list(_IMAGENET_CATEGORIES)
    except ImportError:
        return list(torchvision.models.ResNet18_Weights.IMAGENET1K_V1.meta["categories"])


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description="Write the ImageNet-1k class names, one per line.")
    ap.add_argument("-o", "--output", default=os.path.join(repo, "samples", "imagenet_classes.txt"),
                    help="output file (default: samples/imagenet_classes.txt)")
    args = ap.parse_args()
    names = categories()
    if len(names) != 1000 or any("\n" in n for n in names):
        raise SystemExit("error: torchvision %s gave %d class names" % (torchvision.__version__, len(names)))
    with open(args.output, "w", encoding="utf-8") as f:
        f.write("\n".join(names) + "\n")
    print("wrote %s: %d names from torchvision %s" % (args.output, len(names), torchvision.__version__))


if __name__ == "__main__":
    main()
