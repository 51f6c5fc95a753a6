#!/usr/bin/python3
# MaxPool over the geometries an ONNX MaxPool can have (kernels 1-4, strides
# 1-3, asymmetric pads, dilations, ceil_mode, a kernel as large as the input,
# a 1x1 input, windows wholly in the padding), on inputs with ties (small
# integers, zeros of both signs) and without: the forward pass bit for bit
# against a brute-force scan of each window in row-major order from
# -FLT_MAX (the first maximum wins, so of +0 and -0 the first), and against
# torch's max_pool2d where torch takes the geometry; the same for
# --threads 1 and 2; and the winner-takes-all rule through the `gradient`
# preset (pool -> Flatten -> Gemm) against the gradient routed to each
# window's first maximum, computed here and by torch autograd. The Gemm's
# weights are multiples of 1/4, so every sum is exact and the relevance is
# compared exactly too.
import argparse
import os
import tempfile

from parity_common import Bad, Checks, run, skip

try:
    import numpy as np
    import onnx
    import torch
    import torch.nn.functional as F
    from onnx import TensorProto, helper, numpy_helper
except ImportError as e:
    skip("%s is not available" % e.name)

ap = argparse.ArgumentParser(description="onnx-lrp MaxPool geometries: forward and winner-takes-all")
ap.add_argument("--cli", required=True)
args = ap.parse_args()

FLT_MAX = float(np.finfo(np.float32).max)
N, C, CLASSES, TARGET = 2, 3, 3, 1

# label: (H, W, kernel, strides, pads (top, left, bottom, right), dilations, ceil_mode)
CASES = {
    "ResNet stem 3x3 s2 p1": (32, 32, (3, 3), (2, 2), (1, 1, 1, 1), (1, 1), 0),
    "3x3 s2 p1, odd sizes": (33, 45, (3, 3), (2, 2), (1, 1, 1, 1), (1, 1), 0),
    "3x3 s2 p1, narrow": (7, 9, (3, 3), (2, 2), (1, 1, 1, 1), (1, 1), 0),
    "1x1 s1": (9, 11, (1, 1), (1, 1), (0, 0, 0, 0), (1, 1), 0),
    "2x2 s2": (16, 20, (2, 2), (2, 2), (0, 0, 0, 0), (1, 1), 0),
    "2x2 s2 ceil_mode, odd sizes": (7, 23, (2, 2), (2, 2), (0, 0, 0, 0), (1, 1), 1),
    "4x4 s1 p2": (12, 30, (4, 4), (1, 1), (2, 2, 2, 2), (1, 1), 0),
    "3x3 s3 p1": (8, 64, (3, 3), (3, 3), (1, 1, 1, 1), (1, 1), 0),
    "3x3 s3 ceil_mode": (19, 40, (3, 3), (3, 3), (0, 0, 0, 0), (1, 1), 1),
    "2x4 s1x3, pads 0,1,1,2": (10, 41, (2, 4), (1, 3), (0, 1, 1, 2), (1, 1), 0),
    "4x3 s3x1, pads 2,0,1,1": (13, 26, (4, 3), (3, 1), (2, 0, 1, 1), (1, 1), 0),
    "3x3 d2 p1": (15, 31, (3, 3), (1, 2), (1, 1, 1, 1), (2, 2), 0),
    "3x3 s1x2 d2 p2": (11, 29, (3, 3), (1, 2), (2, 2, 2, 2), (2, 2), 0),
    "2x3 s2 d2x3, pads 1,0,0,1, ceil_mode": (14, 37, (2, 3), (2, 2), (1, 0, 0, 1), (2, 3), 1),
    "kernel as large as the input": (5, 5, (5, 5), (1, 1), (0, 0, 0, 0), (1, 1), 0),
    "kernel as wide as the input": (3, 20, (2, 20), (1, 1), (0, 0, 0, 0), (1, 1), 0),
    "1x1 input": (1, 1, (1, 1), (1, 1), (0, 0, 0, 0), (1, 1), 0),
    "1x1 input, 2x2 p1,1,0,0": (1, 1, (2, 2), (1, 1), (1, 1, 0, 0), (1, 1), 0),
    "windows wholly in the pads (2x2 p2)": (6, 12, (2, 2), (1, 1), (2, 2, 2, 2), (1, 1), 0),
}


def out_size(n, k, s, lo, hi, d, ceil):
    """ONNX's output length, written out: a ceil_mode window starting in the trailing pad is dropped."""
    room = n + lo + hi - ((k - 1) * d + 1)
    out = (-(-room // s) if ceil else room // s) + 1
    return out - 1 if ceil and (out - 1) * s >= n + lo else out


def brute_force(x, case):
    """(Y, winner) by scanning each window's taps in row-major order: Y from -FLT_MAX with
    v > best, winner the plane offset of the first maximum among in-bounds taps (-1: none)."""
    h, w, (kh, kw), (sh, sw), (pt, pl, pb, pr), (dh, dw), ceil = case
    oh, ow = out_size(h, kh, sh, pt, pb, dh, ceil), out_size(w, kw, sw, pl, pr, dw, ceil)
    planes = x.reshape(-1, h * w)
    y = np.full((planes.shape[0], oh, ow), -FLT_MAX, np.float32)
    win = np.full((planes.shape[0], oh, ow), -1, np.int64)
    for p in range(planes.shape[0]):
        for r in range(oh):
            for c in range(ow):
                for i in range(kh):
                    for j in range(kw):
                        hh, ww = r * sh - pt + i * dh, c * sw - pl + j * dw
                        if not (0 <= hh < h and 0 <= ww < w):
                            continue
                        v = planes[p, hh * w + ww]
                        if v > y[p, r, c]:
                            y[p, r, c] = v
                        if win[p, r, c] < 0 or v > planes[p, win[p, r, c]]:
                            win[p, r, c] = hh * w + ww
    return y.reshape(x.shape[0], x.shape[1], oh, ow), win.reshape(x.shape[0], x.shape[1], oh, ow)


def routed(x_shape, win, r_out):
    """Each window's r_out added at its winner, in float64 (exact for multiples of 1/4)."""
    g = np.zeros((x_shape[0] * x_shape[1], x_shape[2] * x_shape[3]))
    for p, (wp, rp) in enumerate(zip(win.reshape(g.shape[0], -1), r_out.reshape(g.shape[0], -1))):
        for at, r in zip(wp, rp):
            if at >= 0:
                g[p, at] += r
    return g.reshape(x_shape)


def torch_pool(xt, case):
    """torch's max_pool2d over the geometry, or None where torch refuses it (pads more than
    half the kernel, asymmetric pads with ceil_mode, windows in the pads only)."""
    h, w, k, s, (pt, pl, pb, pr), d, ceil = case
    try:
        if (pt, pl) == (pb, pr):
            return F.max_pool2d(xt, k, s, (pt, pl), d, ceil_mode=bool(ceil))
        if ceil:
            return None
        return F.max_pool2d(F.pad(xt, (pl, pr, pt, pb), value=-np.inf), k, s, 0, d)
    except RuntimeError:
        return None


def pool_node(case, x, y):
    _, _, k, s, pads, d, ceil = case
    return helper.make_node("MaxPool", [x], [y], name="pool", kernel_shape=list(k), strides=list(s),
                            pads=list(pads), dilations=list(d), ceil_mode=ceil)


def save(path, nodes, x_shape, y_name, inits):
    graph = helper.make_graph(nodes, "maxpool_geometry",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
                              [helper.make_tensor_value_info(y_name, TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(v, key) for key, v in inits.items()])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)


def cli(cmd):
    ok, out, err = run([args.cli] + cmd)
    if not ok:
        raise Bad("onnx-lrp %s failed: %s" % (cmd[0], err))
    return out


def inputs(case, ties, seed):
    """(N, C, H, W): small integers with zeros of both signs, or distinct normal values."""
    h, w = case[0], case[1]
    rng = np.random.default_rng(seed)
    if not ties:
        return rng.standard_normal((N, C, h, w)).astype(np.float32)
    x = rng.integers(-2, 3, (N, C, h, w)).astype(np.float32)
    return np.where((x == 0) & (rng.random(x.shape) < 0.5), np.float32(-0.0), x)


def same_bits(a, b):
    return a.shape == b.shape and np.array_equal(a.view(np.int32), b.view(np.int32))


def check_forward(tmp, case, x, y_ref):
    model, xp = os.path.join(tmp, "pool.onnx"), os.path.join(tmp, "x.npy")
    save(model, [pool_node(case, "x", "y")], list(x.shape), "y", {})
    np.save(xp, x)
    ys = []
    for threads in ("1", "2"):
        yp = os.path.join(tmp, "y%s.npy" % threads)
        cli(["forward", model, "--input-tensor", xp, "--output-tensor", yp, "--threads", threads])
        ys.append(np.load(yp))
    if not same_bits(ys[0], y_ref):
        diff = np.argwhere(ys[0].view(np.int32) != y_ref.view(np.int32)) if ys[0].shape == y_ref.shape else []
        raise Bad("Y %s, brute force %s; first differing output %s" %
                  (ys[0].shape, y_ref.shape, diff[0].tolist() if len(diff) else "-"))
    if not same_bits(ys[0], ys[1]):
        raise Bad("Y differs between --threads 1 and 2")
    detail = "Y %s bit-identical to the brute force, --threads 1 = 2" % (tuple(y_ref.shape),)
    yt = torch_pool(torch.tensor(x), case)
    if yt is not None:
        if not np.array_equal(ys[0], yt.numpy()):
            raise Bad("Y differs from torch's max_pool2d")
        detail += ", = torch"
    return detail


def check_wta(tmp, case, x, win):
    """--preset gradient on image 0 of pool -> Flatten -> Gemm: R_in = Wf[TARGET] routed."""
    x = x[:1]
    oh, ow = win.shape[2], win.shape[3]
    rng = np.random.default_rng(7)
    wf = (rng.integers(-8, 9, (CLASSES, C * oh * ow)) / 4).astype(np.float32)
    wf[:, (win[0] < 0).reshape(-1)] = 0.0  # empty windows hold -FLT_MAX; keep the logits finite
    model, xp, rp = (os.path.join(tmp, f) for f in ("net.onnx", "x1.npy", "r.npy"))
    save(model, [pool_node(case, "x", "a"), helper.make_node("Flatten", ["a"], ["f"], name="flatten"),
                 helper.make_node("Gemm", ["f", "Wf", "Bf"], ["logits"], name="fc", transB=1)],
         list(x.shape), "logits", {"Wf": wf, "Bf": np.zeros(CLASSES, np.float32)})
    np.save(xp, x)
    cli(["explain", model, "--input-tensor", xp, "--preset", "gradient", "--target", str(TARGET),
         "--relevance-out", rp])
    r = np.load(rp).reshape(x.shape)
    want = routed(x.shape, win[:1], wf[TARGET].reshape(1, C, oh, ow).astype(np.float64))
    if not np.array_equal(r.astype(np.float64), want):
        bad = np.argwhere(r != want)[0].tolist()
        raise Bad("R_in at %s is %g, routed to the first maximum %g" % (bad, r[tuple(bad)], want[tuple(bad)]))
    detail = "R_in = R routed to each first maximum, exactly"
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    yt = torch_pool(xt, case)
    if yt is not None:
        (grad,) = torch.autograd.grad((yt.flatten() * torch.tensor(wf[TARGET], dtype=torch.float64)).sum(), xt)
        if not np.array_equal(r.astype(np.float64), grad.numpy()):
            raise Bad("R_in differs from torch autograd's gradient")
        detail += ", = torch autograd"
    return detail


checks = Checks(width=58)
with tempfile.TemporaryDirectory(prefix="onnx-lrp-maxpool-") as tmp:
    for seed, (label, case) in enumerate(CASES.items()):
        for ties in (True, False):
            x = inputs(case, ties, seed)
            y_ref, win = brute_force(x, case)
            name = "%s, %s" % (label, "ties" if ties else "distinct")
            checks.report(name + ": forward", check_forward, tmp, case, x, y_ref)
            checks.report(name + ": winner takes all", check_wta, tmp, case, x, win)
checks.finish()
