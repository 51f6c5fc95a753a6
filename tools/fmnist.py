# Fashion-MNIST as the sample model sees it: the IDX reader, the class names and the
# preprocessing shared by train_sample.py and fmnist_accuracy.py (numpy + PIL only, so
# the accuracy check runs without torch).
import gzip
import os
import struct

import numpy as np
from PIL import Image

DATA_DIR = "/usr/share/datasets/fashion-mnist"  # Debian's dataset-fashion-mnist
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
SLUGS = ["tshirt", "trouser", "pullover", "dress", "coat",
         "sandal", "shirt", "sneaker", "bag", "ankleboot"]
FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
         "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
SIZE = 64  # resize (shorter side) and center crop of the sample model


def _open(path):
    """The IDX file as shipped (.gz) or already unpacked."""
    if os.path.isfile(path + ".gz"):
        return gzip.open(path + ".gz", "rb")
    return open(path, "rb")


def read_idx(path):
    """An IDX file (magic 0x0000 08 <ndim>, big-endian uint32 dims, uint8 data) as numpy."""
    with _open(path) as f:
        zero, dtype, ndim = struct.unpack(">HBB", f.read(4))
        if zero != 0 or dtype != 0x08:
            raise ValueError("%s: not an unsigned-byte IDX file" % path)
        dims = struct.unpack(">%dI" % ndim, f.read(4 * ndim))
        data = np.frombuffer(f.read(), dtype=np.uint8)
    if data.size != int(np.prod(dims)):
        raise ValueError("%s: %d bytes of data for dims %s" % (path, data.size, dims))
    return data.reshape(dims)


def available(data_dir=DATA_DIR):
    """True when all four IDX files are there (gzipped or not)."""
    return all(os.path.isfile(os.path.join(data_dir, n)) or os.path.isfile(os.path.join(data_dir, n + ".gz"))
               for pair in FILES.values() for n in pair)


def load(split, data_dir=DATA_DIR):
    """(images (N, 28, 28) uint8, labels (N,) uint8) of 'train' or 'test'."""
    images, labels = (read_idx(os.path.join(data_dir, n)) for n in FILES[split])
    if images.shape[0] != labels.shape[0]:
        raise ValueError("%s: %d images but %d labels" % (split, images.shape[0], labels.shape[0]))
    return images, labels


def mean_std(train_images):
    """Pixel mean and std of the training set in [0, 1], rounded to 4 decimals (stored as text)."""
    x = train_images.astype(np.float64) / 255.0
    return round(float(x.mean()), 4), round(float(x.std()), 4)


def resize_crop(images, resize=SIZE, crop=SIZE):
    """(N, h, w) uint8 -> (N, crop, crop) uint8 as torchvision's Resize(resize) + CenterCrop(crop)
    on PIL images: shorter side to 'resize' with PIL BILINEAR, then the centered crop."""
    h, w = images.shape[1:]
    if w <= h:
        size = (resize, int(resize * h / w))
    else:
        size = (int(resize * w / h), resize)
    top, left = int(round((size[1] - crop) / 2.0)), int(round((size[0] - crop) / 2.0))
    out = np.empty((images.shape[0], crop, crop), dtype=np.uint8)
    for i, im in enumerate(images):
        big = Image.fromarray(im, mode="L").resize(size, Image.BILINEAR)
        out[i] = np.asarray(big)[top:top + crop, left:left + crop]
    return out


def normalize(pixels, mean, std):
    """(N, H, W) uint8 -> (N, 3, H, W) float32: ToTensor (/255), Normalize, gray copied to RGB."""
    x = (pixels.astype(np.float32) / np.float32(255) - np.float32(mean)) / np.float32(std)
    return np.ascontiguousarray(np.repeat(x[:, None], 3, axis=1))
