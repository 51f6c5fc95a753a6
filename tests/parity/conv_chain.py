# What the oneDNN layout tests (blocked_layouts.py, winograd.py) share: the residual chain they
# build, stem Conv C_IN->C + Relu (v0), Conv C->C + Relu (v1), Conv C->C + Add(v0) + Relu (v2),
# GlobalAveragePool, Flatten, Gemm, every conv 3x3 'same' on HW x HW, seeded weights; float64
# numpy references of its logits and of the input gradient of each image's top logit; and a
# run of the CLI under oneDNN's verbose log.
import os
import subprocess

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def run_logged(cli, cmd, out, verbose="1"):
    """Runs `cli cmd` with oneDNN's verbose log at level 'verbose' (None: no log): (the .npy
    it wrote to out, as float64; the log's exec lines, split at commas; None), or (None, None,
    the problem) when it failed."""
    env = dict(os.environ, ONEDNN_VERBOSE=verbose, DNNL_VERBOSE=verbose) if verbose else None
    p = subprocess.run([cli] + cmd, capture_output=True, text=True, env=env, timeout=120)
    if p.returncode != 0:
        return None, None, "exit %d: %s" % (p.returncode, p.stderr.strip())
    log = [l.split(",") for l in p.stdout.splitlines()
           if l.startswith(("onednn_verbose,exec,", "dnnl_verbose,exec,"))]
    return np.load(out).astype(np.float64), log, None


class Chain:
    def __init__(self, rng, c_in, c, hw, classes, body_scale):
        """Weights drawn from rng in a fixed order; body_scale: the std of the 3x3 body
        convs' weights (small enough that the activations stay of order 1)."""
        self.c_in, self.c, self.hw, self.classes = c_in, c, hw, classes
        w = {"W0": rng.standard_normal((c, c_in, 3, 3)) * 0.3, "B0": rng.standard_normal(c) * 0.1,
             "W1": rng.standard_normal((c, c, 3, 3)) * body_scale,
             "B1": rng.standard_normal(c) * 0.1,
             "W2": rng.standard_normal((c, c, 3, 3)) * body_scale,
             "B2": rng.standard_normal(c) * 0.1,
             "Wf": rng.standard_normal((classes, c)), "Bf": rng.standard_normal(classes) * 0.1}
        self.w = {k: v.astype(np.float32) for k, v in w.items()}

    def save(self, path, name):
        conv = dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1])
        nodes = [helper.make_node("Conv", ["x", "W0", "B0"], ["c0"], name="stem", **conv),
                 helper.make_node("Relu", ["c0"], ["v0"], name="relu0"),
                 helper.make_node("Conv", ["v0", "W1", "B1"], ["c1"], name="conv1", **conv),
                 helper.make_node("Relu", ["c1"], ["v1"], name="relu1"),
                 helper.make_node("Conv", ["v1", "W2", "B2"], ["c2"], name="conv2", **conv),
                 helper.make_node("Add", ["c2", "v0"], ["s"], name="add"),
                 helper.make_node("Relu", ["s"], ["v2"], name="relu2"),
                 helper.make_node("GlobalAveragePool", ["v2"], ["g"], name="gap"),
                 helper.make_node("Flatten", ["g"], ["f"], name="flatten"),
                 helper.make_node("Gemm", ["f", "Wf", "Bf"], ["y"], name="fc", transB=1)]
        graph = helper.make_graph(
            nodes, name,
            [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                           ["N", self.c_in, self.hw, self.hw])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", self.classes])],
            [numpy_helper.from_array(v, k) for k, v in self.w.items()])
        onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)

    def conv3x3(self, a, weight, bias):
        """float64 'same' 3x3 convolution, (N,C,H,W) -> (N,M,H,W)."""
        hw = self.hw
        p = np.pad(a, ((0, 0), (0, 0), (1, 1), (1, 1)))
        out = np.zeros((a.shape[0], weight.shape[0]) + a.shape[2:])
        for i in range(3):
            for j in range(3):
                out += np.einsum("nchw,mc->nmhw", p[:, :, i:i + hw, j:j + hw], weight[:, :, i, j])
        return out + bias[None, :, None, None]

    def conv3x3_t(self, g, weight):
        """The adjoint of conv3x3 in its input: (N,M,H,W) -> (N,C,H,W)."""
        hw = self.hw
        p = np.zeros((g.shape[0], weight.shape[1], hw + 2, hw + 2))
        for i in range(3):
            for j in range(3):
                p[:, :, i:i + hw, j:j + hw] += np.einsum("nmhw,mc->nchw", g, weight[:, :, i, j])
        return p[:, :, 1:-1, 1:-1]

    def reference(self, x, guided=None):
        """The logits; with guided (False: the gradient, True: Guided Backprop) the input
        gradient of each image's top logit instead."""
        d = {k: v.astype(np.float64) for k, v in self.w.items()}
        relu = lambda t: np.maximum(t, 0.0)
        v0 = relu(self.conv3x3(x.astype(np.float64), d["W0"], d["B0"]))
        v1 = relu(self.conv3x3(v0, d["W1"], d["B1"]))
        v2 = relu(self.conv3x3(v1, d["W2"], d["B2"]) + v0)
        y = v2.mean(axis=(2, 3)) @ d["Wf"].T + d["Bf"]
        if guided is None:
            return y
        back = lambda g, v: g * (v > 0) * ((g > 0) if guided else 1)  # through a Relu of output v
        g2 = back(np.broadcast_to(d["Wf"][y.argmax(axis=1)][:, :, None, None] / self.hw ** 2,
                                  v2.shape), v2)
        g0 = g2 + self.conv3x3_t(back(self.conv3x3_t(g2, d["W2"]), v1), d["W1"])
        return self.conv3x3_t(back(g0, v0), d["W0"])
