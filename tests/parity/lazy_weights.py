#!/usr/bin/python3
"""The rules' modified conv weights (W+, W-, ...) are filled on first use
and, after an explainer's warm-up on oneDNN, kept only as oneDNN's packed
copies (rules.h, lazy). Whatever then needs them again fills them again
with the same values: a batch the warm-up did not pack (new convs, packed
from them), a fork, the OpenBLAS backend. Each relevance must have the bits
of a fresh explainer's that never gave them back.

  lazy_weights.py --lib LIB --python DIR --samples DIR
"""
import argparse
import ctypes
import os
import sys
import threading

from parity_common import finish, skip

ap = argparse.ArgumentParser()
ap.add_argument("--lib", required=True, help="the shared library the package loads")
ap.add_argument("--python", required=True, help="the folder holding the onnx_lrp package")
ap.add_argument("--samples", required=True, help="samples (fashion-resnet*.onnx)")
args = ap.parse_args()
os.environ["ONNX_LRP_LIBRARY"] = os.path.abspath(args.lib)
sys.path.insert(0, args.python)
try:
    import numpy as np

    import onnx_lrp
    from onnx_lrp import _lib
    from onnx_lrp import _call
except ImportError as e:
    skip("needs numpy and the onnx_lrp package (%s)" % e)

lib = _lib.lib
P = ctypes.POINTER
lib.lrp_explainer_warm_up.argtypes = [ctypes.c_void_p, ctypes.c_int, P(ctypes.c_int64),
                                      P(_lib.LrpError)]
lib.lrp_explainer_fork.argtypes = [ctypes.c_void_p, P(ctypes.c_void_p), P(_lib.LrpError)]
lib.lrp_explainer_set_backend.argtypes = [ctypes.c_void_p, ctypes.c_int, P(_lib.LrpError)]
lib.lrp_backend_from_name.restype = ctypes.c_int
lib.lrp_backend_from_name.argtypes = [ctypes.c_char_p]
DNNL, OPENBLAS = (lib.lrp_backend_from_name(n) for n in (b"dnnl", b"openblas"))


def warm_up(e, batch):
    dims = (ctypes.c_int64 * 4)(batch, 3, 64, 64)
    _call(lib.lrp_explainer_warm_up, e._h, 4, dims)


def fork(e):
    """A fork of e as an Explainer (freed with it: the test's lifetime)."""
    h = ctypes.c_void_p()
    _call(lib.lrp_explainer_fork, e._h, ctypes.byref(h))
    f = onnx_lrp.Explainer.__new__(onnx_lrp.Explainer)
    f._h, f.model, f.lock = h.value, e.model, threading.Lock()
    e.model._explainers_made.add(f)
    return f


def main():
    rng = np.random.default_rng(13)
    x = {n: rng.standard_normal((n, 3, 64, 64)).astype(np.float32) for n in (1, 3)}
    passed = failed = 0
    for name in ("fashion-resnet", "fashion-resnet-bn"):
        model = onnx_lrp.Model(os.path.join(args.samples, name + ".onnx"), threads=2)
        probe = model.explainer()
        try:
            _call(lib.lrp_explainer_set_backend, probe._h, DNNL)
        except onnx_lrp.Error as e:
            skip("no oneDNN here (%s)" % e)
        for preset in ("epsilon-plus-flat", "otsuki2024", "epsilon-alpha2-beta1", "epsilon"):
            fresh = {n: model.explainer(preset=preset).explain(x[n])[0] for n in (1, 3)}
            e = model.explainer(preset=preset)
            fresh_blas = model.explainer(preset=preset)
            _call(lib.lrp_explainer_set_backend, fresh_blas._h, OPENBLAS)
            warm_up(e, 1)  # packs batch 1's convs and gives the copies back
            runs = [("warmed at batch 1, batch 1", e, 1, fresh[1]),
                    ("warmed at batch 1, batch 3", e, 3, fresh[3]),
                    ("a fork after it, batch 3", fork(e), 3, fresh[3])]
            g = model.explainer(preset=preset)
            warm_up(g, 1)
            _call(lib.lrp_explainer_set_backend, g._h, OPENBLAS)
            runs.append(("warmed on oneDNN, then OpenBLAS", g, 1,
                         fresh_blas.explain(x[1])[0]))
            for what, ex, n, want in runs:
                got = ex.explain(x[n])[0]
                ok = got.shape == want.shape and got.tobytes() == want.tobytes()
                print("%s %s %s: %s" % ("ok  " if ok else "FAIL", name, preset, what))
                passed, failed = passed + ok, failed + (not ok)
        model.close()
    finish(passed, failed)


main()
