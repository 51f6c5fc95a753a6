#!/usr/bin/python3
# Seeded generator of the fuzz seed corpus, tests/fuzz/corpus/{onnx,npy,image}: small valid
# models, arrays and images, and truncated / bit-flipped / spliced variants of each.
# Usage: make_corpus.py [--out tests/fuzz/corpus]  (Debian's python3-numpy, python3-onnx, python3-pil)
# The outputs are committed; files named crash-*, oom-*, timeout-* or leak-* are reproducers
# of fuzzer findings, kept as regression inputs: this script never deletes them.
import argparse
import glob
import io
import os
import random
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from PIL import Image

SEED = 20240808
HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
FLOAT = TensorProto.FLOAT
MAX_SEED_BYTES = 64 << 10  # larger valid files get fewer variants
KEEP_PREFIXES = ("crash-", "oom-", "timeout-", "leak-", "slow-unit-")
# tests/bad_input files left out while they crash (corpus/known_crashes.txt has a reproducer)
BAD_INPUT_CRASHING = set()  # bad inputs kept out of the seeds while they crash


# ---- ONNX seeds -------------------------------------------------------------------------------

def vinfo(name, shape):
    return helper.make_tensor_value_info(name, FLOAT, shape)


def make_model(nodes, inputs, outputs, inits, opset=13, meta=None):
    g = helper.make_graph(nodes, "fuzz_seed", inputs, outputs, initializer=inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)],
                          producer_name="make_corpus.py")
    m.ir_version = 7
    for k, v in (meta or {}).items():
        p = m.metadata_props.add()
        p.key, p.value = k, v
    onnx.checker.check_model(m)
    return m.SerializeToString()


class Weights:
    """Seeded float32 initializers with short names."""

    def __init__(self, rng):
        self.rng, self.inits = rng, []

    def __call__(self, name, *shape, scale=0.5):
        a = (self.rng.standard_normal(shape) * scale).astype(np.float32)
        self.inits.append(numpy_helper.from_array(a, name))
        return name

    def const(self, name, array):
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name


def tiny_resnet(rng, bn=True, opset=13, dynamic=False):
    """Stem Conv(+BN)+Relu+MaxPool, an identity block, a projection block, GAP, Gemm: 8x8 input."""
    w, n = Weights(rng), []
    node = lambda op, i, o, **a: n.append(helper.make_node(op, i, [o], name=o + "_node", **a))
    node("Conv", ["input", w("c1w", 4, 3, 3, 3), w("c1b", 4)], "c1", pads=[1, 1, 1, 1])
    x = "c1"
    if bn:
        node("BatchNormalization", ["c1", w("g", 4), w("be", 4), w("mu", 4),
                                    w.const("var", np.full(4, 0.9, np.float32))], "bn")
        x = "bn"
    node("Relu", [x], "r1")
    node("MaxPool", ["r1"], "mp", kernel_shape=[2, 2], strides=[2, 2])
    node("Conv", ["mp", w("a1w", 4, 4, 3, 3)], "a1", pads=[1, 1, 1, 1])
    node("Relu", ["a1"], "a1r")
    node("Conv", ["a1r", w("a2w", 4, 4, 3, 3)], "a2", pads=[1, 1, 1, 1])
    node("Add", ["a2", "mp"], "add1")
    node("Relu", ["add1"], "r2")
    node("Conv", ["r2", w("p1w", 6, 4, 3, 3)], "p1", pads=[1, 1, 1, 1], strides=[2, 2])
    node("Relu", ["p1"], "p1r")
    node("Conv", ["p1r", w("p2w", 6, 6, 3, 3)], "p2", pads=[1, 1, 1, 1])
    node("Conv", ["r2", w("sw", 6, 4, 1, 1)], "sc", strides=[2, 2])
    node("Add", ["sc", "p2"], "add2")
    node("Relu", ["add2"], "r3")
    node("GlobalAveragePool", ["r3"], "gap")
    node("Flatten", ["gap"], "flat", axis=1)
    node("Gemm", ["flat", w("fw", 5, 6), w("fb", 5)], "logits", transB=1)
    shape = ["N", 3, "H", "W"] if dynamic else [1, 3, 8, 8]
    out = ["N", 5] if dynamic else [1, 5]
    meta = {"onnx_lrp.resize": "10", "onnx_lrp.crop": "8", "onnx_lrp.labels": "a\nb\nc\nd\ne"}
    return make_model(n, [vinfo("input", shape)], [vinfo("logits", out)], w.inits, opset,
                      None if dynamic else meta)


def many_ops(rng):
    """Every other registered op once: AveragePool, Clip, Concat, Constant, Div, Mul, Sub,
    Dropout, Identity, Shape/Gather/Unsqueeze/Reshape, Squeeze, MatMul, Softmax."""
    w, n = Weights(rng), []
    node = lambda op, i, o, **a: n.append(helper.make_node(op, i, [o], name=o + "_node", **a))
    node("Conv", ["input", w("cw", 4, 2, 3, 3)], "c", pads=[1, 1, 1, 1])
    node("Clip", ["c", w.const("lo", np.float32(0)), w.const("hi", np.float32(6))], "clip")
    node("AveragePool", ["clip"], "ap", kernel_shape=[2, 2], strides=[2, 2])
    n.append(helper.make_node("Constant", [], ["k"], name="k_node",
                              value=numpy_helper.from_array(np.float32([2.0]), "k")))
    node("Mul", ["ap", "k"], "mul")
    node("Sub", ["mul", w("sb", 1, 4, 1, 1)], "sub")
    node("Div", ["sub", "k"], "div")
    node("Dropout", ["div"], "drop")
    node("Identity", ["drop"], "ident")
    node("Concat", ["ident", "ap"], "cat", axis=1)
    node("Shape", ["cat"], "shp")
    node("Gather", ["shp", w.const("i0", np.int64(0))], "n0", axis=0)
    node("Unsqueeze", ["n0", w.const("ax0", np.int64([0]))], "n0u")
    node("Concat", ["n0u", w.const("m1", np.int64([-1]))], "newshape", axis=0)
    node("Reshape", ["cat", "newshape"], "flat")
    node("MatMul", ["flat", w("mw", 72, 4)], "mm")
    node("Unsqueeze", ["mm", w.const("ax1", np.int64([1]))], "mmu")
    node("Squeeze", ["mmu", w.const("ax1b", np.int64([1]))], "mms")
    node("Softmax", ["mms"], "probs", axis=1)
    return make_model(n, [vinfo("input", [1, 2, 6, 6])], [vinfo("probs", [1, 4])], w.inits)


def opset11_attrs(rng):
    """Attributes where opset 11 has them: Squeeze/Unsqueeze axes, auto_pad, ceil_mode."""
    w, n = Weights(rng), []
    node = lambda op, i, o, **a: n.append(helper.make_node(op, i, [o], name=o + "_node", **a))
    node("Conv", ["input", w("cw", 3, 1, 3, 3)], "c", auto_pad="SAME_UPPER", strides=[2, 2])
    node("Clip", ["c", "", w.const("hi", np.float32(6))], "clip")
    node("MaxPool", ["clip"], "mp", kernel_shape=[3, 3], pads=[1, 1, 1, 1], ceil_mode=1,
         strides=[2, 2])
    node("GlobalAveragePool", ["mp"], "gap")
    node("Squeeze", ["gap"], "sq", axes=[2, 3])
    node("Unsqueeze", ["sq"], "us", axes=[2])
    node("Flatten", ["us"], "fl", axis=1)
    node("Gemm", ["fl", w("fw", 3, 2), w("fb", 2)], "logits")
    return make_model(n, [vinfo("input", [1, 1, 9, 7])], [vinfo("logits", [1, 2])], w.inits,
                      opset=11)


def grouped(rng):
    """A grouped and a depthwise Conv, an AveragePool with pads, a Softmax output."""
    w, n = Weights(rng), []
    node = lambda op, i, o, **a: n.append(helper.make_node(op, i, [o], name=o + "_node", **a))
    node("Conv", ["input", w("gw", 4, 2, 3, 3)], "g", group=2, pads=[1, 1, 1, 1])
    node("Conv", ["g", w("dw", 4, 1, 3, 3)], "d", group=4, dilations=[2, 2], pads=[2, 2, 2, 2])
    node("AveragePool", ["d"], "ap", kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2],
         count_include_pad=1)
    node("GlobalAveragePool", ["ap"], "gap")
    node("Flatten", ["gap"], "fl", axis=1)
    node("Gemm", ["fl", w("fw", 4, 3), w("fb", 3)], "z")
    node("Softmax", ["z"], "probs", axis=-1)
    return make_model(n, [vinfo("input", [1, 4, 7, 7])], [vinfo("probs", [1, 3])], w.inits)


def nested_if(depth):
    """Relu, then an If whose branches hold an If ... depth deep: subgraph attributes."""
    g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "leaf", [], [vinfo("y", [1])])
    for i in range(depth):
        node = helper.make_node("If", ["cond"], ["y%d" % i], name="if%d" % i, then_branch=g,
                                else_branch=g)
        g = helper.make_graph([node], "level%d" % i, [], [vinfo("y%d" % i, [1])])
    nodes = [helper.make_node("Relu", ["input"], ["output"], name="relu"), g.node[0]]
    m = helper.make_model(helper.make_graph(nodes, "nested", [vinfo("input", [1, 1, 2, 2])],
                                            [vinfo("output", [1, 1, 2, 2])]),
                          opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    return m.SerializeToString()


def onnx_seeds(rng):
    seeds = {
        "tiny-resnet.onnx": tiny_resnet(rng),
        "tiny-resnet-nobn-op11.onnx": tiny_resnet(rng, bn=False, opset=11),
        "tiny-resnet-dynamic.onnx": tiny_resnet(rng, dynamic=True),
        "many-ops.onnx": many_ops(rng),
        "opset11-attrs.onnx": opset11_attrs(rng),
        "grouped.onnx": grouped(rng),
        "nested-if.onnx": nested_if(8),
    }
    for path in [os.path.join(TESTS, "eval", "region.onnx"),
                 os.path.join(TESTS, "fixtures", "plain-cnn-op13.onnx")]:
        with open(path, "rb") as f:
            seeds[os.path.basename(path)] = f.read()
    # the hostile models of tests/bad_input, as they are (small ones only)
    for path in sorted(glob.glob(os.path.join(TESTS, "bad_input", "*.onnx"))):
        if os.path.getsize(path) <= 4096 and os.path.basename(path) not in BAD_INPUT_CRASHING:
            with open(path, "rb") as f:
                seeds["bad-" + os.path.basename(path)] = f.read()
    return seeds


# ---- .npy seeds -------------------------------------------------------------------------------

def npy_bytes(array, version=None):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, array, version=version, allow_pickle=False)
    return buf.getvalue()


def raw_npy(header, payload=b"", major=1):
    """A .npy with a hand-written header dict (padded with spaces to 64 bytes, as numpy does)."""
    hlen_size = 2 if major == 1 else 4
    pre = 6 + 2 + hlen_size
    text = header.encode("latin1")
    total = pre + len(text) + 1
    text += b" " * ((64 - total % 64) % 64) + b"\n"
    return (b"\x93NUMPY" + bytes([major, 0]) + len(text).to_bytes(hlen_size, "little") + text
            + payload)


def npy_seeds(rng):
    f32 = lambda *s: rng.standard_normal(s).astype(np.float32)
    return {
        "f4-nchw.npy": npy_bytes(f32(1, 3, 4, 4)),
        "f4-batch.npy": npy_bytes(f32(2, 1, 3, 2)),
        "i8-labels.npy": npy_bytes(np.arange(6, dtype=np.int64).reshape(2, 3)),
        "f4-scalar.npy": npy_bytes(np.float32(1.5)),
        "f4-empty.npy": npy_bytes(np.zeros((0, 3), np.float32)),
        "f4-rank8.npy": npy_bytes(f32(1, 2, 1, 2, 1, 2, 1, 2)),
        "f4-fortran.npy": npy_bytes(np.asfortranarray(f32(3, 4))),
        "f4-big-endian.npy": npy_bytes(f32(2, 3).astype(">f4")),
        "f8.npy": npy_bytes(rng.standard_normal((2, 2))),
        "u1.npy": npy_bytes(np.arange(5, dtype=np.uint8)),
        "v2.npy": npy_bytes(f32(2, 2), version=(2, 0)),
        "v3.npy": npy_bytes(f32(2, 2), version=(3, 0)),
        "dict-reordered.npy": raw_npy("{'shape': (2,), 'fortran_order': False, 'descr': '<f4', }",
                                      f32(2).tobytes()),
        "shape-huge.npy": raw_npy("{'descr': '<f4', 'fortran_order': False, "
                                  "'shape': (4294967296, 4294967296, 16), }"),
        "shape-negative.npy": raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 3), }"),
        "shape-rank9.npy": raw_npy("{'descr': '<f4', 'fortran_order': False, "
                                   "'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1), }", b"\0" * 4),
        "data-short.npy": raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4, 4), }",
                                  b"\0" * 20),
        "header-unterminated.npy": b"\x93NUMPY\x01\x00\x40\x00{'descr': '<f4', 'shape': (",
    }


# ---- image seeds ------------------------------------------------------------------------------

def pil_bytes(img, fmt, **kw):
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def image_seeds(rng):
    rgb = Image.fromarray(rng.integers(0, 256, (9, 12, 3), dtype=np.uint8), "RGB")
    rgba = Image.fromarray(rng.integers(0, 256, (7, 5, 4), dtype=np.uint8), "RGBA")
    gray = Image.fromarray(rng.integers(0, 256, (11, 6), dtype=np.uint8), "L")
    gray16 = Image.fromarray(rng.integers(0, 65536, (5, 8), dtype=np.uint16).astype(np.int32), "I")
    seeds = {
        "rgb.png": pil_bytes(rgb, "PNG"),
        "rgba.png": pil_bytes(rgba, "PNG"),
        "la.png": pil_bytes(gray.convert("LA"), "PNG"),
        "gray16.png": pil_bytes(gray16.convert("I;16"), "PNG"),
        "palette-transparent.png": pil_bytes(rgb.convert("P"), "PNG", transparency=3),
        "rgb.jpg": pil_bytes(rgb, "JPEG", quality=80),
        "progressive.jpg": pil_bytes(rgb.resize((24, 18)), "JPEG", progressive=True),
        "gray.jpg": pil_bytes(gray, "JPEG"),
        "rgb.bmp": pil_bytes(rgb, "BMP"),
        "bilevel.bmp": pil_bytes(gray.convert("1"), "BMP"),
        "rgba.tga": pil_bytes(rgba, "TGA"),
        "rle.tga": pil_bytes(rgb, "TGA", compression="tga_rle"),
        "rgb.gif": pil_bytes(rgb, "GIF"),
        "rgb.ppm": pil_bytes(rgb, "PPM"),
        "gray.pgm": pil_bytes(gray, "PPM"),
        "ascii.pgm": b"P2\n3 2\n255\n0 128 255\n255 128 0\n",
        "one-pixel.png": pil_bytes(Image.new("RGB", (1, 1), (200, 10, 30)), "PNG"),
        "wide.png": pil_bytes(Image.new("L", (300, 1), 90), "PNG"),
        "tall.png": pil_bytes(Image.new("L", (1, 300), 90), "PNG"),
    }
    for name in ("palette.png", "palette.bmp", "palette.gif", "palette.pgm", "palette.tga",
                 "photo.jpg", "not-an-image.png"):
        with open(os.path.join(TESTS, "images", name), "rb") as f:
            seeds["fixture-" + name] = f.read()
    return seeds


# ---- variants ---------------------------------------------------------------------------------

def variants(rnd, data, n_trunc, n_flip):
    """{suffix: bytes}: truncations at seeded offsets, 1-8 flipped bits, a spliced copy."""
    out = {}
    if len(data) < 2:
        return out
    for i in range(n_trunc):
        cut = rnd.randrange(1, len(data))
        out["trunc%d" % i] = data[:cut]
    for i in range(n_flip):
        b = bytearray(data)
        for _ in range(rnd.randint(1, 8)):
            pos = rnd.randrange(len(b))
            b[pos] ^= 1 << rnd.randrange(8)
        out["flip%d" % i] = bytes(b)
    a, z = sorted(rnd.sample(range(len(data)), 2)) if len(data) > 2 else (0, 1)
    out["splice"] = data[:z] + data[a:z] + data[z:]
    return out


def write_set(outdir, seeds):
    os.makedirs(outdir, exist_ok=True)
    for old in os.listdir(outdir):
        if not old.startswith(KEEP_PREFIXES):
            os.remove(os.path.join(outdir, old))
    total = 0
    for name, data in sorted(seeds.items()):
        stem, ext = os.path.splitext(name)
        small = len(data) <= MAX_SEED_BYTES
        files = {name: data}
        rnd = random.Random("%d/%s" % (SEED, name))  # adding a seed changes no other file
        for suffix, v in variants(rnd, data, 4 if small else 2, 6 if small else 2).items():
            files["%s.%s%s" % (stem, suffix, ext)] = v
        for fname, v in files.items():
            with open(os.path.join(outdir, fname), "wb") as f:
                f.write(v)
            total += len(v)
    return total


def main():
    ap = argparse.ArgumentParser(description="write the seed corpus of the fuzz targets")
    ap.add_argument("--out", default=os.path.join(HERE, "corpus"))
    args = ap.parse_args()
    rng = np.random.default_rng(SEED)
    total = 0
    for sub, seeds in (("onnx", onnx_seeds(rng)), ("npy", npy_seeds(rng)),
                       ("image", image_seeds(rng))):
        size = write_set(os.path.join(args.out, sub), seeds)
        print("%-6s %3d seeds, %8d bytes with variants" % (sub, len(seeds), size))
        total += size
    print("total %d bytes" % total)
    if total > (2 << 20):
        sys.exit("error: the corpus is over 2 MB")


if __name__ == "__main__":
    main()
