#!/usr/bin/python3
# Seeded generator of tests/eval: region.onnx, a toy whose logit depends only on a 3x3 pixel
# region R, and region_images/ (8x8 gray PNGs with R bright, labels.csv). Usage: gen_region_model.py [OUTDIR]
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper
from PIL import Image

H = W = 8
R_ROWS, R_COLS = (2, 5), (5, 8)  # R: rows 2..4, cols 5..7 (half-open ranges)
K = 1.5     # logit 0 = K * s, logit 1 = 0: P(label 0) = sigmoid(K * s)
OFFSET = 4.5  # s = sum_R x - OFFSET (the Conv bias): P spans 0.001 (all black) .. 0.99 (R shown)
N_IMAGES, SEED = 16, 20240607


def region_mask():
    m = np.zeros((H, W), np.float32)
    m[R_ROWS[0]:R_ROWS[1], R_COLS[0]:R_COLS[1]] = 1.0
    return m


def build_model():
    conv_w = helper.make_tensor("conv.weight", TensorProto.FLOAT, [1, 1, H, W],
                                region_mask().ravel().tolist())
    conv_b = helper.make_tensor("conv.bias", TensorProto.FLOAT, [1], [-OFFSET])
    fc_w = helper.make_tensor("fc.weight", TensorProto.FLOAT, [2, 1], [K, 0.0])
    fc_b = helper.make_tensor("fc.bias", TensorProto.FLOAT, [2], [0.0, 0.0])
    nodes = [
        helper.make_node("Conv", ["input", "conv.weight", "conv.bias"], ["s"], name="conv",
                         kernel_shape=[H, W], pads=[0, 0, 0, 0], strides=[1, 1]),
        helper.make_node("Flatten", ["s"], ["s_flat"], name="flatten", axis=1),
        helper.make_node("Gemm", ["s_flat", "fc.weight", "fc.bias"], ["logits"], name="fc",
                         transB=1),
    ]
    graph = helper.make_graph(
        nodes, "region",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 1, H, W])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 2])],
        initializer=[conv_w, conv_b, fc_w, fc_b])
    model = helper.make_model(graph, producer_name="onnx-lrp tests/eval/gen_region_model.py",
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    onnx.checker.check_model(model)
    return model


def make_image(rng):
    """Background anywhere in 0..255; R: 9 distinct bright values in 180..255."""
    img = rng.integers(0, 256, size=(H, W)).astype(np.uint8)
    bright = rng.choice(np.arange(180, 256), size=9, replace=False).astype(np.uint8)
    img[R_ROWS[0]:R_ROWS[1], R_COLS[0]:R_COLS[1]] = bright.reshape(3, 3)
    return img


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(out, "region.onnx"), "wb") as f:
        f.write(build_model().SerializeToString())
    img_dir = os.path.join(out, "region_images")
    os.makedirs(img_dir, exist_ok=True)
    rng = np.random.default_rng(SEED)
    rows = ["file,label"]
    for i in range(N_IMAGES):
        name = "region_%02d.png" % i
        Image.fromarray(make_image(rng), mode="L").save(os.path.join(img_dir, name))
        rows.append("%s,0" % name)
    with open(os.path.join(img_dir, "labels.csv"), "w") as f:
        f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
