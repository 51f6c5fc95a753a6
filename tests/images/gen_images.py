#!/usr/bin/python3
# Writes the image fixtures of tests/test_image.c: small seeded images in
# several formats, and for each the tensor torchvision makes of it.
"""Generate tests/images/.

Run from anywhere: ./tests/images/gen_images.py  (Debian's python3 with
python3-numpy, python3-pil, python3-torch and python3-torchvision).

Reference tensors: transforms.Compose([Resize(r), CenterCrop(c), ToTensor(),
Normalize(mean, std)]) on Image.open(f).convert('RGB'), saved as float32
(3, c, c) .npy. Only rgb.png uses torchvision's ImageNet sizes (256/224):
the others use smaller sizes to keep the committed files small.

The 16-bit PNG holds v8 * 257 + d (|d| <= 100), so that rounding it to
8 bits gives back v8; its reference is made from the 8-bit image, because
PIL opens 16-bit gray PNGs as mode 'I' and convert('RGB') clips those
values to 255 instead of scaling them.
"""
import os
import sys

import numpy as np
import PIL
import torch
import torchvision
from PIL import Image
from torchvision import transforms

SEED = 20240611
HERE = os.path.dirname(os.path.abspath(__file__))
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def out(name):
    return os.path.join(HERE, name)


def smooth(rng, h, w, c):
    """(h, w, c) uint8: a gradient with a few waves and mild noise."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    planes = []
    for k in range(c):
        fy, fx = rng.uniform(0.01, 0.08, size=2)
        base = 128 + 80 * np.sin(fx * x + k) * np.cos(fy * y - k) + 40 * (x / w - y / h)
        planes.append(base + rng.normal(0, 6, size=(h, w)))
    return np.clip(np.rint(np.stack(planes, -1)), 0, 255).astype(np.uint8)


def reference(img, resize, crop):
    """torchvision's tensor of a PIL image, as float32 (3, crop, crop)."""
    t = transforms.Compose([
        transforms.Resize(resize),
        transforms.CenterCrop(crop),
        transforms.ToTensor(),
        transforms.Normalize(MEAN, STD),
    ])
    return t(img.convert('RGB')).numpy().astype(np.float32)


def save_reference(stem, img, resize, crop):
    np.save(out(stem + '.torchvision.npy'), reference(img, resize, crop))


def png_cases(rng):
    rgb = smooth(rng, 260, 300, 3)
    Image.fromarray(rgb, 'RGB').save(out('rgb.png'))
    save_reference('rgb', Image.open(out('rgb.png')), 256, 224)

    Image.fromarray(smooth(rng, 120, 160, 1)[..., 0], 'L').save(out('gray.png'))
    save_reference('gray', Image.open(out('gray.png')), 64, 56)

    rgba = smooth(rng, 170, 150, 4)  # portrait, alpha varies
    Image.fromarray(rgba, 'RGBA').save(out('rgba.png'))
    save_reference('rgba', Image.open(out('rgba.png')), 64, 56)

    # upscaling, and CenterCrop offsets 2.5 -> 2 and 5.5 -> 6 (half to even)
    Image.fromarray(smooth(rng, 19, 23, 3), 'RGB').save(out('tiny.png'))
    save_reference('tiny', Image.open(out('tiny.png')), 32, 27)


def deep_case(rng):
    v8 = smooth(rng, 97, 130, 1)[..., 0]
    d = rng.integers(-100, 101, size=v8.shape)
    v16 = np.clip(v8.astype(np.int64) * 257 + d, 0, 65535).astype(np.uint16)
    assert np.array_equal(np.rint(v16 / 257.0).astype(np.uint8), v8)
    Image.fromarray(v16, 'I;16').save(out('gray16.png'))
    check = Image.open(out('gray16.png'))
    assert np.array_equal(np.array(check), v16), check.mode
    save_reference('gray16', Image.fromarray(v8, 'L'), 64, 56)


def jpeg_case(rng):
    Image.fromarray(smooth(rng, 150, 200, 3), 'RGB').save(out('photo.jpg'), quality=90)
    save_reference('photo', Image.open(out('photo.jpg')), 64, 56)


def palette_cases(rng):
    """The same 8-color picture, losslessly, in every other format."""
    colors = rng.integers(0, 256, size=(8, 3), dtype=np.uint8)
    idx = (np.add.outer(np.arange(19) // 4, np.arange(23) // 3) % 8).astype(np.uint8)
    rgb = colors[idx]
    Image.fromarray(rgb, 'RGB').save(out('palette.png'))
    Image.fromarray(rgb, 'RGB').save(out('palette.bmp'))
    Image.fromarray(rgb, 'RGB').save(out('palette.tga'))
    Image.fromarray(rgb, 'RGB').save(out('palette.ppm'))
    Image.fromarray(rgb[..., 1], 'L').save(out('palette.pgm'))
    frames = []
    for shift in (0, 3):  # the second frame differs: only the first is read
        p = Image.fromarray(((idx + shift) % 8).astype(np.uint8), 'P')
        p.putpalette(colors.tobytes())
        frames.append(p)
    frames[0].save(out('palette.gif'), save_all=True, append_images=frames[1:],
                   duration=100, loop=0, optimize=False)


def bad_cases():
    with open(out('gray.png'), 'rb') as f:
        data = f.read()
    with open(out('corrupt.png'), 'wb') as f:
        f.write(data[:len(data) // 2])
    open(out('empty.png'), 'wb').close()
    with open(out('not-an-image.png'), 'w') as f:
        f.write('This is a text file with a .png name, not an image.\n')


def versions():
    with open(out('reference.txt'), 'w') as f:
        f.write('# written by gen_images.py (seed %d)\n' % SEED)
        f.write('python %s\n' % sys.version.split()[0])
        f.write('numpy %s\nPillow %s\ntorch %s\ntorchvision %s\n' % (
            np.__version__, PIL.__version__, torch.__version__, torchvision.__version__))


def main():
    rng = np.random.default_rng(SEED)
    png_cases(rng)
    deep_case(rng)
    jpeg_case(rng)
    palette_cases(rng)
    bad_cases()
    versions()


if __name__ == '__main__':
    main()
