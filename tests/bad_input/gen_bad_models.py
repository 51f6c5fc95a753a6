#!/usr/bin/python3
# Seeded generator of small broken / hostile ONNX files and .npy inputs that onnx-lrp must
# refuse with exit code 2 and a one-line error (checked by tests/parity/bad_input.py).
# Usage: gen_bad_models.py OUTDIR [--fixtures tests/fixtures]
import argparse
import os
import sys

try:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
except ImportError as e:
    print("SKIP: %s" % e)
    sys.exit(77)

RNG = np.random.default_rng(1234)
FLOAT = TensorProto.FLOAT


def rand(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def vinfo(name, shape, elem=FLOAT):
    return helper.make_tensor_value_info(name, elem, shape)


def model(nodes, inputs, outputs, inits=(), name="bad"):
    g = helper.make_graph(nodes, name, inputs, outputs, initializer=list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)],
                          producer_name="gen_bad_models.py")
    m.ir_version = 7  # readable by onnx 1.12 and onnxruntime alike; no checker on purpose
    return m


def conv_model(x_shape, w_shape, y_shape, conv_name="conv_bad", w=None, **attrs):
    """input -> Conv(conv_name, W) -> output; attrs are the Conv attributes."""
    w = rand(*w_shape) if w is None else w
    node = helper.make_node("Conv", ["input", "W"], ["output"], name=conv_name, **attrs)
    return model([node], [vinfo("input", x_shape)], [vinfo("output", y_shape)], [init("W", w)])


def build_all(fixtures):
    """{file name: bytes}"""
    out = {}
    x8 = vinfo("input", [1, 3, 8, 8])

    out["not-onnx.onnx"] = b"This is a plain text file, not an ONNX protobuf.\n" * 4
    out["empty.onnx"] = b""
    with open(os.path.join(fixtures, "basic-op13.onnx"), "rb") as f:
        whole = f.read()
    out["truncated.onnx"] = whole[: len(whole) * 2 // 5]

    # Two different unsupported op types (Sin, Cos), used by different nodes.
    out["unsupported-ops.onnx"] = model(
        [helper.make_node("Sin", ["input"], ["s"], name="sin_node"),
         helper.make_node("Cos", ["s"], ["c"], name="cos_node"),
         helper.make_node("Relu", ["c"], ["output"], name="relu_node")],
        [x8], [vinfo("output", [1, 3, 8, 8])])

    # float16 Conv weight.
    out["bad-dtype.onnx"] = conv_model([1, 3, 8, 8], None, [1, 4, 6, 6], conv_name="conv_fp16",
                                       w=rand(4, 3, 3, 3).astype(np.float16))

    # Initializer whose data lives in a file that does not exist.
    w = TensorProto(name="W", data_type=FLOAT, dims=[4, 3, 3, 3])
    w.data_location = TensorProto.EXTERNAL
    for k, v in (("location", "missing-weights.bin"), ("offset", "0"), ("length", str(4 * 108))):
        e = w.external_data.add()
        e.key, e.value = k, v
    out["external-data.onnx"] = model(
        [helper.make_node("Conv", ["input", "W"], ["output"], name="conv_external")],
        [x8], [vinfo("output", [1, 4, 6, 6])], [w])

    # Conv weight expects 5 input channels, the input has 3.
    out["shape-mismatch.onnx"] = conv_model([1, 3, 8, 8], [4, 5, 3, 3], [1, 4, 6, 6],
                                            conv_name="conv_mismatch")

    # relu_a -> add_c -> relu_b -> add_c: a cycle through an Add.
    out["cycle.onnx"] = model(
        [helper.make_node("Add", ["input", "b"], ["c"], name="add_cycle"),
         helper.make_node("Relu", ["c"], ["a"], name="relu_a"),
         helper.make_node("Relu", ["a"], ["b"], name="relu_b"),
         helper.make_node("Relu", ["a"], ["output"], name="relu_out")],
        [x8], [vinfo("output", [1, 3, 8, 8])])

    out["undefined-input.onnx"] = model(
        [helper.make_node("Add", ["input", "ghost_tensor"], ["output"], name="add_undefined")],
        [x8], [vinfo("output", [1, 3, 8, 8])])

    out["two-producers.onnx"] = model(
        [helper.make_node("Relu", ["input"], ["dup"], name="relu_first"),
         helper.make_node("Relu", ["input"], ["dup"], name="relu_second"),
         helper.make_node("Relu", ["dup"], ["output"], name="relu_out")],
        [x8], [vinfo("output", [1, 3, 8, 8])])

    # Node and tensor names with a newline and an escape sequence: the error must stay one line.
    out["control-chars.onnx"] = model(
        [helper.make_node("Add", ["input", "ghost\nline2"], ["output"], name="evil\nnode\x1b[31m")],
        [x8], [vinfo("output", [1, 3, 8, 8])])

    # strides given as FLOATS instead of INTS.
    node = helper.make_node("Conv", ["input", "W"], ["output"], name="conv_float_strides")
    node.attribute.append(helper.make_attribute("strides", [1.0, 1.0]))
    out["wrong-attr-type.onnx"] = model([node], [x8], [vinfo("output", [1, 4, 6, 6])],
                                        [init("W", rand(4, 3, 3, 3))])

    # group=2 but 3 input channels (not divisible).
    out["group-mismatch.onnx"] = conv_model([1, 3, 8, 8], [4, 1, 3, 3], [1, 4, 6, 6],
                                            conv_name="conv_group", group=2)

    # 9x9 kernel on a 4x4 input, no padding.
    out["kernel-too-large.onnx"] = conv_model([1, 3, 4, 4], [2, 3, 9, 9], [1, 2, 1, 1],
                                              conv_name="conv_big_kernel")

    # Graph input of 2^31 x 2^31 pixels: must be refused before allocating anything.
    out["huge-dims.onnx"] = model(
        [helper.make_node("Relu", ["input"], ["output"], name="relu_huge")],
        [vinfo("input", [1, 3, 2 ** 31, 2 ** 31])], [vinfo("output", [1, 3, 2 ** 31, 2 ** 31])])

    # Reshape to a shape whose element count overflows int64.
    out["huge-reshape.onnx"] = model(
        [helper.make_node("Reshape", ["input", "shape"], ["output"], name="reshape_huge")],
        [x8], [vinfo("output", [2 ** 62, 4, 4, 4])],
        [init("shape", np.array([2 ** 62, 4, 4, 4], dtype=np.int64))])

    # Initializer whose dims multiply past 2^64, with 4 bytes of data.
    w = TensorProto(name="W", data_type=FLOAT, dims=[2 ** 40, 2 ** 40, 2 ** 40, 1],
                    raw_data=rand(1).tobytes())
    out["huge-initializer.onnx"] = model(
        [helper.make_node("Conv", ["input", "W"], ["output"], name="conv_huge_w")],
        [x8], [vinfo("output", [1, 4, 6, 6])], [w])

    # Initializer whose raw_data holds 10 floats where the dims promise 108.
    w = TensorProto(name="W", data_type=FLOAT, dims=[4, 3, 3, 3], raw_data=rand(10).tobytes())
    out["short-initializer.onnx"] = model(
        [helper.make_node("Conv", ["input", "W"], ["output"], name="conv_short")],
        [x8], [vinfo("output", [1, 4, 6, 6])], [w])

    # Initializer with a negative dim (and no data).
    w = TensorProto(name="W", data_type=FLOAT, dims=[4, -3, 3, 3])
    out["negative-dim.onnx"] = model(
        [helper.make_node("Conv", ["input", "W"], ["output"], name="conv_negative")],
        [x8], [vinfo("output", [1, 4, 6, 6])], [w])

    out["no-rule.onnx"] = no_rule_model()
    out.update(hostile_models())
    return {k: (v if isinstance(v, bytes) else v.SerializeToString()) for k, v in out.items()}


def no_rule_model():
    """A valid model that runs forward but has two ops without a relevance rule on the relevance
    path: Conv -> Relu -> Softmax(axis 1) 'softmax_mid'; Mul(relu, softmax) 'mul_mid' (a product
    of two activations that is no Sigmoid gate) -> GlobalAveragePool -> Flatten -> Gemm (10
    classes). Own RNG: the other files keep their bytes."""
    rng = np.random.default_rng(4321)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    fc_w = rng.standard_normal((10, 4)).astype(np.float32)
    fc_b = rng.standard_normal(10).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["input", "W"], ["c"], name="conv_first", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"], name="relu_first"),
        helper.make_node("Softmax", ["r"], ["s"], name="softmax_mid", axis=1),
        helper.make_node("Mul", ["r", "s"], ["prod"], name="mul_mid"),
        helper.make_node("GlobalAveragePool", ["prod"], ["gap"], name="gap"),
        helper.make_node("Flatten", ["gap"], ["flat"], name="flatten", axis=1),
        helper.make_node("Gemm", ["flat", "fc_W", "fc_B"], ["output"], name="fc", transB=1),
    ]
    m = model(nodes, [vinfo("input", [1, 3, 8, 8])], [vinfo("output", [1, 10])],
              [init("W", w), init("fc_W", fc_w), init("fc_B", fc_b)], name="no_rule")
    onnx.checker.check_model(m)
    return m


def hostile_models():
    """The hostile cases of issue 8 that the files above do not cover (tests/parity/
    hostile_models.py). Own RNG: the other files keep their bytes."""
    rng = np.random.default_rng(8)
    w = lambda *shape: rng.standard_normal(shape).astype(np.float32)
    x8, y8 = vinfo("input", [1, 3, 8, 8]), vinfo("output", [1, 3, 8, 8])
    relu = lambda name: [helper.make_node("Relu", ["input"], ["output"], name=name)]
    out = {}
    # graph input of 2^84 elements: the product overflows size_t (and int64)
    big = [2 ** 21] * 4
    out["input-dims-overflow.onnx"] = model(relu("relu_overflow"), [vinfo("input", big)],
                                            [vinfo("output", big)])
    out["input-negative-dim.onnx"] = model(relu("relu_negative"), [vinfo("input", [1, 3, -5, 8])],
                                           [y8])
    # dim_value 0 on the graph input (read as dynamic), then fed an empty tensor by the test
    out["input-zero-dim.onnx"] = model(
        [helper.make_node("Conv", ["input", "W"], ["output"], name="conv_zero_input")],
        [vinfo("input", [1, 3, 0, 8])], [vinfo("output", [1, 4, 0, 6])], [init("W", w(4, 3, 3, 3))])
    out["zero-dim-initializer.onnx"] = conv_model([1, 3, 8, 8], None, [1, 4, 6, 6],
                                                  conv_name="conv_zero_w",
                                                  w=np.zeros((4, 0, 3, 3), np.float32))
    # an initializer declaring 2^40 floats (4 TiB) and holding 4 bytes
    t = TensorProto(name="W", data_type=FLOAT, dims=[2 ** 20, 2 ** 20], raw_data=w(1).tobytes())
    out["initializer-2pow40.onnx"] = model(
        [helper.make_node("MatMul", ["input", "W"], ["output"], name="matmul_2pow40")],
        [vinfo("input", [1, 2 ** 20])], [vinfo("output", [1, 2 ** 20])], [t])
    # a 1x1 input padded by 2^19 on each side: a Conv output of (2^20 + 1)^2 elements
    out["activation-2pow40.onnx"] = conv_model([1, 1, 1, 1], None, [1, 1, 2 ** 20 + 1, 2 ** 20 + 1],
                                               conv_name="conv_pads_2pow40", w=w(1, 1, 1, 1),
                                               pads=[2 ** 19] * 4)
    out["kernel-too-large-padded.onnx"] = conv_model([1, 3, 4, 4], [2, 3, 9, 9], [1, 2, 1, 1],
                                                     conv_name="conv_big_kernel_padded",
                                                     w=w(2, 3, 9, 9), pads=[2, 2, 2, 2])
    out["pool-kernel-too-large.onnx"] = model(
        [helper.make_node("MaxPool", ["input"], ["output"], name="maxpool_big_kernel",
                          kernel_shape=[11, 11], pads=[1, 1, 1, 1])], [x8], [vinfo("output", [1, 3, 1, 1])])
    out["group-zero.onnx"] = conv_model([1, 3, 8, 8], None, [1, 4, 6, 6], conv_name="conv_group_zero",
                                        w=w(4, 3, 3, 3), group=0)
    # group 2 divides the 4 input channels but not the 3 output channels
    out["group-out-mismatch.onnx"] = conv_model([1, 4, 8, 8], None, [1, 3, 6, 6],
                                                conv_name="conv_group_out", w=w(3, 2, 3, 3), group=2)
    out["stride-zero.onnx"] = conv_model([1, 3, 8, 8], None, [1, 4, 6, 6], conv_name="conv_stride_zero",
                                         w=w(4, 3, 3, 3), strides=[0, 0])
    # Shape -> Gather(index 1000) -> Reshape: an index far outside the shape vector
    out["gather-out-of-range.onnx"] = model(
        [helper.make_node("Shape", ["input"], ["s"], name="shape"),
         helper.make_node("Gather", ["s", "idx"], ["n"], name="gather_oob", axis=0),
         helper.make_node("Unsqueeze", ["n", "ax"], ["nu"], name="unsqueeze"),
         helper.make_node("Concat", ["nu", "minus1"], ["ns"], name="concat", axis=0),
         helper.make_node("Reshape", ["input", "ns"], ["output"], name="reshape")],
        [x8], [vinfo("output", [1, 192])],
        [init("idx", np.int64(1000)), init("ax", np.int64([0])), init("minus1", np.int64([-1]))])
    # a node reading its own output: the smallest cycle
    out["self-loop.onnx"] = model(
        [helper.make_node("Add", ["input", "loop"], ["loop"], name="add_self_loop"),
         helper.make_node("Relu", ["loop"], ["output"], name="relu_out")], [x8], [y8])
    # the graph output names a tensor that no node produces
    out["output-undefined.onnx"] = model(relu("relu_elsewhere"), [x8], [vinfo("nowhere", [1, 3, 8, 8])])
    # an omitted optional output ("") before a present one: valid ONNX (onnx.checker passes)
    out["empty-output-name.onnx"] = model(
        [helper.make_node("Dropout", ["input"], ["d", ""], name="dropout_no_mask"),
         helper.make_node("Relu", ["d"], ["output"], name="relu_after")], [x8], [y8])
    # Conv 3 -> 32 at 256x256: 8 MiB per activation, for --max-memory 10M
    out["large-activation.onnx"] = model(
        [helper.make_node("Conv", ["input", "W"], ["c"], name="conv_wide", pads=[1, 1, 1, 1]),
         helper.make_node("Relu", ["c"], ["r"], name="relu_wide"),
         helper.make_node("GlobalAveragePool", ["r"], ["g"], name="gap"),
         helper.make_node("Flatten", ["g"], ["output"], name="flatten", axis=1)],
        [vinfo("input", [1, 3, 256, 256])], [vinfo("output", [1, 32])], [init("W", w(32, 3, 3, 3))])
    return out


def bad_npys():
    """Inputs for `forward tests/fixtures/basic-op13.onnx` (expects (N, 3, 32, 32) float32)."""
    return {
        "float64.npy": RNG.standard_normal((1, 3, 32, 32)),
        "rank3.npy": rand(3, 32, 32),
        "channels4.npy": rand(1, 4, 32, 32),
    }


def main():
    ap = argparse.ArgumentParser(description="write the broken ONNX / .npy test inputs")
    ap.add_argument("outdir")
    ap.add_argument("--fixtures", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                       "..", "fixtures"))
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    for name, data in sorted(build_all(args.fixtures).items()):
        with open(os.path.join(args.outdir, name), "wb") as f:
            f.write(data)
        print("wrote %-24s %7d bytes" % (name, len(data)))
    for name, arr in sorted(bad_npys().items()):
        np.save(os.path.join(args.outdir, name), arr)
        print("wrote %-24s %7d bytes" % (name, os.path.getsize(os.path.join(args.outdir, name))))


if __name__ == "__main__":
    main()
