"""onnx-lrp from Python: Layer-wise Relevance Propagation for ResNets
exported to ONNX, over the C library (libonnx-lrp) with ctypes.

    import onnx_lrp
    with onnx_lrp.Model("resnet50.onnx", threads=2) as model:
        rel, report = model.explain_image("cat.jpg", preset="otsuki2024")
        pixels = onnx_lrp.heatmap(rel, cmap="bwr")   # (H, W, 3) uint8

Arrays are numpy float32 in C order; every failure raises onnx_lrp.Error
with the library's message. The GIL is released inside forward and
explain, so Python threads can explain in parallel (one explainer each).
"""
import ctypes
import os
import threading
import weakref

import numpy as np

from . import _lib
from ._lib import Error, lib

__all__ = ["Error", "Model", "Explainer", "Report", "version", "decode_image",
           "decode_image_bytes", "load_npy", "save_npy", "heatmap", "overlay", "save_png"]


def version():
    """The version of the libonnx-lrp loaded, e.g. "0.1.0"."""
    return lib.lrp_version().decode()


def _path(p):
    return os.fsencode(p)


def _str(s):
    return None if s is None else s.decode("utf-8", "replace")


def _in(x, what, rank=None):
    """A numpy array as an lrp_array borrowing its data (keep x alive)."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    if x.ndim > _lib.MAX_RANK or (rank is not None and x.ndim not in rank):
        raise Error("arg", "%s: an array of rank %s, got shape %s"
                    % (what, " or ".join(map(str, rank or [])) or "<= 8", x.shape))
    a = _lib.LrpArray(rank=x.ndim)
    for i, d in enumerate(x.shape):
        a.dims[i] = d
    a.data = x.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
    return x, a


def _out(a):
    """An lrp_array the library filled, copied into numpy and freed."""
    shape = tuple(a.dims[i] for i in range(a.rank))
    n = int(np.prod(shape, dtype=np.int64))
    x = (np.ctypeslib.as_array(a.data, shape=(n,)).copy() if n else
         np.zeros(0, np.float32)).reshape(shape)
    lib.lrp_array_free(ctypes.byref(a))
    return x


def _call(fn, *args):
    err = _lib.LrpError()
    _lib.check(fn(*args, ctypes.byref(err)), err)


def _config(preset, split, init, epsilon, gamma, alpha, beta, zero_bias, target, norm,
            first_rule=None):
    c = _lib.LrpConfig()
    lib.lrp_config_init(ctypes.byref(c))
    if norm is not None:  # zbox bounds from the normalization the input went through
        n, mean, std = norm
        _call(lib.lrp_config_set_normalization, ctypes.byref(c), n,
              (ctypes.c_float * n)(*mean), (ctypes.c_float * n)(*std))
    if preset is not None:
        c.preset = preset.encode()
    for name, value, parse in (("split", split, lib.lrp_split_from_name),
                               ("init", init, lib.lrp_init_from_name)):
        if value is not None:
            code = parse(value.encode())
            if code < 0:
                raise Error("arg", "unknown %s '%s'" % (name, value))
            setattr(c, name, code)
    for name, value in (("epsilon", epsilon), ("gamma", gamma), ("alpha", alpha),
                        ("beta", beta)):
        if value is not None:
            setattr(c, name, float(value))
    c.zero_bias = 1 if zero_bias else 0
    c.target = -1 if target is None else int(target)
    if first_rule is not None:  # checked by lrp_explainer_new
        c.first_rule = first_rule.encode()
    return c


class Report:
    """What one explanation did: .images, a dict per image (target,
    probability, logits, output_relevance, input_relevance_sum,
    conservation_error, bias_loss, stabilizer_loss); .steps, per image the
    relevance through each node (node, op, rule, relevance_in,
    relevance_out, leak, absorbed); .forward_ms, .explain_ms; .weights_mib
    (the model's float32 initializers) and .kept_mib (the activations the
    forward pass kept for the relevance pass)."""

    def __init__(self, handle):
        self.images, self.steps = [], []
        for i in range(lib.lrp_report_images(handle)):
            r = lib.lrp_report_image(handle, i)
            self.images.append({
                "target": r.target, "probability": r.probability,
                "logits": np.ctypeslib.as_array(r.logits, shape=(r.n_classes,)).copy(),
                "output_relevance": r.output_relevance,
                "input_relevance_sum": r.input_relevance_sum,
                "conservation_error": r.conservation_error,
                "bias_loss": r.bias_loss, "stabilizer_loss": r.stabilizer_loss})
            steps = []
            for k in range(lib.lrp_report_steps(handle)):
                s = lib.lrp_report_step(handle, i, k)
                steps.append({"node": _str(s.node), "op": _str(s.op),
                              "rule": _str(s.rule), "relevance_in": s.relevance_in,
                              "relevance_out": s.relevance_out, "leak": s.leak,
                              "absorbed": s.absorbed})
            self.steps.append(steps)
        self.forward_ms = lib.lrp_report_forward_ms(handle)
        self.explain_ms = lib.lrp_report_explain_ms(handle)
        weights, kept = ctypes.c_size_t(), ctypes.c_size_t()
        lib.lrp_report_memory(handle, ctypes.byref(weights), ctypes.byref(kept))
        self.weights_mib, self.kept_mib = weights.value / 2**20, kept.value / 2**20

    def __repr__(self):
        return "Report(%r)" % [{k: v for k, v in im.items() if k != "logits"}
                               for im in self.images]


class _Handle:
    """An owned C object, freed once: by close(), the with block or __del__."""
    _free = None

    def close(self):
        h, self._h = getattr(self, "_h", None), None
        if h:
            self._free(h)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()

    def _handle(self):
        if not self._h:
            raise Error("arg", "%s is closed" % type(self).__name__)
        return self._h


class Explainer(_Handle):
    """A rule table for one configuration of one model; one thread at a
    time (make one per thread). Model.explain makes and caches these."""
    _free = staticmethod(lib.lrp_explainer_free)

    def __init__(self, model, preset=None, split=None, init=None, epsilon=None, gamma=None,
                 alpha=None, beta=None, zero_bias=False, target=None, threads=None, norm=None,
                 first_rule=None):
        self._h = None
        self.model = model  # the model must outlive the explainer: it closes us first
        c = _config(preset, split, init, epsilon, gamma, alpha, beta, zero_bias, target, norm,
                    first_rule)
        h = ctypes.c_void_p()
        _call(lib.lrp_explainer_new, model._handle(), ctypes.byref(c), ctypes.byref(h))
        self._h = h.value
        model._explainers_made.add(self)
        self.lock = threading.Lock()
        if threads is not None:
            _call(lib.lrp_explainer_set_threads, self._h, int(threads))

    def explain(self, x):
        """x (N,C,H,W) float32: (relevance (N,C,H,W), Report)."""
        x, a = _in(x, "input", rank=[4])
        rel, rep = _lib.LrpArray(), ctypes.c_void_p()
        with self.lock:
            _call(lib.lrp_explain, self._handle(), ctypes.byref(a), ctypes.byref(rel),
                  ctypes.byref(rep))
        try:
            return _out(rel), Report(rep.value)
        finally:
            lib.lrp_report_free(rep.value)


class Model(_Handle):
    """An ONNX model loaded by onnx-lrp: Model(path, threads=1, precision="f32");
    precision "bf16" (oneDNN with AVX512_BF16 or AMX only) for its forward and explainers."""
    _free = staticmethod(lib.lrp_model_free)

    def __init__(self, path, threads=1, precision="f32"):
        self._h = None
        self.path = os.fspath(path)
        self.threads = int(threads)
        h = ctypes.c_void_p()
        _call(lib.lrp_model_load, _path(self.path), ctypes.byref(h))
        self._h = h.value
        self._explainers = {}  # Model.explain's, by options
        self._explainers_made = weakref.WeakSet()  # every Explainer of this model
        self._forward_lock = threading.Lock()
        _call(lib.lrp_model_set_threads, self._h, self.threads)
        code = lib.lrp_precision_from_name(str(precision).encode())
        if code < 0:
            raise Error("arg", "unknown precision '%s'" % precision)
        _call(lib.lrp_model_set_precision, self._h, code)

    def close(self):
        for e in list(getattr(self, "_explainers_made", ())):
            e.close()  # explainers borrow the model: free them first
        self._explainers = {}
        super().close()

    def metadata(self, key):
        """The model's metadata_props value for key, or None."""
        v = lib.lrp_model_metadata(self._handle(), key.encode())
        return None if v is None else v.decode("utf-8", "replace")

    def forward(self, x):
        """x (N,C,H,W) float32 to the model's first output (numpy)."""
        x, a = _in(x, "input", rank=[4])
        y = _lib.LrpArray()
        with self._forward_lock:  # the model's own workspace: one at a time
            _call(lib.lrp_model_forward, self._handle(), ctypes.byref(a), ctypes.byref(y))
        return _out(y)

    def explainer(self, mean=None, std=None, **options):
        """A new Explainer of this model (for a thread of your own); options
        as explain's."""
        return Explainer(self, threads=options.pop("threads", self.threads),
                         norm=self._norm(mean, std), **options)

    def _norm(self, mean, std, x=None):
        """(channels, mean, std) the input was normalized with, as the CLI
        takes it for the zbox bounds of a tensor: the model's metadata unless
        given; None where nothing gives them (the library's defaults)."""
        p = _lib.LrpPreprocessing()
        self._overrides(p, None, None, mean, std)
        x, a = (None, None) if x is None else _in(x, "input")
        _call(lib.lrp_normalization_for_model, self._handle(),
              None if a is None else ctypes.byref(a), ctypes.byref(p))
        return _norm_of(p) if p.channels else None

    def explain(self, x, preset=None, split=None, init=None, epsilon=None, gamma=None,
                alpha=None, beta=None, zero_bias=False, target=None, mean=None, std=None,
                first_rule=None):
        """Input relevance of x (N,C,H,W): (relevance (N,C,H,W), Report).
        Options as `onnx-lrp explain`'s; None is the preset's own; mean and
        std (the zbox bounds) the model's metadata's unless given."""
        options = dict(preset=preset, split=split, init=init, epsilon=epsilon, gamma=gamma,
                       alpha=alpha, beta=beta, zero_bias=bool(zero_bias), target=target,
                       first_rule=first_rule)
        return self._explain(x, self._norm(mean, std, x), options)

    def _explain(self, x, norm, options):
        key = tuple(sorted(options.items())) + (norm,)
        e = self._explainers.get(key)
        if e is None:
            e = self._explainers.setdefault(key, Explainer(self, threads=self.threads, norm=norm,
                                                           **options))
        if not e.lock.acquire(blocking=False):  # busy in another thread: one of our own
            with Explainer(self, threads=self.threads, norm=norm, **options) as own:
                return own.explain(x)
        e.lock.release()
        return e.explain(x)

    def preprocessing(self, resize=None, crop=None, mean=None, std=None):
        """The preprocessing in force: the model's metadata (onnx_lrp.*) and
        input shape unless given; crop is N or (H, W), mean/std 1 value or one
        per channel. A dict of resize (the shorter side, or (h, w) for
        Resize((h, w))), crop, channels, mean, std, channels_last (the input
        is (N, H, W, C)) and batch (each image fills that many slots)."""
        p = self._preprocessing(resize, crop, mean, std)
        return {"resize": (p.resize_h, p.resize_w) if p.resize_h > 0 else p.resize,
                "crop": (p.crop_h, p.crop_w), "channels": p.channels,
                "mean": list(p.mean[:p.channels]), "std": list(p.std[:p.channels]),
                "channels_last": bool(p.channels_last), "batch": p.batch}

    @staticmethod
    def _overrides(p, resize, crop, mean, std):
        lib.lrp_preprocessing_init(ctypes.byref(p))
        if resize is not None:
            p.resize = int(resize)
        if crop is not None:
            p.crop_h, p.crop_w = (crop, crop) if np.isscalar(crop) else crop
        for name, v in (("mean", mean), ("std", std)):
            if v is not None:
                v = np.atleast_1d(np.asarray(v, dtype=np.float32))
                if v.ndim != 1 or not 1 <= v.size <= 4:
                    raise Error("arg", "%s: 1 to 4 values, got %s" % (name, v.shape))
                setattr(p, "n_" + name, v.size)
                getattr(p, name)[:v.size] = v.tolist()

    def _preprocessing(self, resize, crop, mean, std):
        p = _lib.LrpPreprocessing()
        self._overrides(p, resize, crop, mean, std)
        _call(lib.lrp_preprocessing_for_model, self._handle(), ctypes.byref(p))
        return p

    def _load(self, p, image):
        x, shown = _lib.LrpArray(), _lib.LrpArray()
        if isinstance(image, (str, bytes, os.PathLike)):  # messages name the file
            _call(lib.lrp_image_load_input, ctypes.byref(p), _path(image), ctypes.byref(x),
                  ctypes.byref(shown))
        else:
            img, a = _in(image, "image", rank=[3])
            _call(lib.lrp_preprocess_image, ctypes.byref(p), ctypes.byref(a), ctypes.byref(x),
                  ctypes.byref(shown))
        return _out(x), _out(shown)

    def load_image(self, image, resize=None, crop=None, mean=None, std=None):
        """An image file (or a decoded (H,W,C) array in [0,1]) preprocessed
        for this model: (input in the model's layout, (N,C,H,W) or (N,H,W,C)
        with the image in each of its fixed batch's slots, display (H,W,3) in
        [0,1])."""
        return self._load(self._preprocessing(resize, crop, mean, std), image)

    def explain_image(self, image, resize=None, crop=None, mean=None, std=None, **options):
        """Preprocesses the image as `onnx-lrp explain` does (the model's
        metadata unless given) and explains it: (relevance (1,C,H,W), Report)."""
        p = self._preprocessing(resize, crop, mean, std)
        x, _ = self._load(p, image)
        full = dict(preset=None, split=None, init=None, epsilon=None, gamma=None, alpha=None,
                    beta=None, zero_bias=False, target=None, first_rule=None)
        full.update(options, zero_bias=bool(options.get("zero_bias", False)))
        rel, report = self._explain(x, _norm_of(p), full)
        rel, a = _in(rel, "relevance")
        _call(lib.lrp_relevance_to_planes, ctypes.byref(p), ctypes.byref(a))
        shape = tuple(a.dims[i] for i in range(a.rank))
        return rel.reshape(-1)[:int(np.prod(shape))].reshape(shape).copy(), report


def _norm_of(p):
    """The (channels, mean, std) of a resolved lrp_preprocessing."""
    return p.channels, tuple(p.mean[:p.channels]), tuple(p.std[:p.channels])


def decode_image(path):
    """An image file (PNG, JPEG, BMP, GIF, TGA, PNM) as (H, W, C) float32 in
    [0, 1], C 1 to 4 (gray, gray+alpha, RGB, RGBA)."""
    a = _lib.LrpArray()
    _call(lib.lrp_image_decode, _path(path), ctypes.byref(a))
    return _out(a)


def decode_image_bytes(data, name="<memory>"):
    """An encoded image held in memory (bytes) as decode_image gives it;
    name is used in messages."""
    data = bytes(data)
    a = _lib.LrpArray()
    _call(lib.lrp_image_decode_mem, data, len(data), name.encode(), ctypes.byref(a))
    return _out(a)


def load_npy(path):
    """A float32 .npy file, read by the library (headers checked)."""
    a = _lib.LrpArray()
    _call(lib.lrp_npy_load, _path(path), ctypes.byref(a))
    return _out(a)


def save_npy(path, x):
    """x as float32 .npy, byte-identical to np.save, written atomically."""
    x, a = _in(x, "array")
    _call(lib.lrp_npy_save, _path(path), ctypes.byref(a))


def _style(cmap, quantize, positive, alpha):
    s = _lib.LrpHeatmapStyle()
    lib.lrp_heatmap_style_init(ctypes.byref(s))
    s.cmap = cmap.encode()
    s.quantize = int(quantize or 0)
    s.positive_only = 1 if positive else 0
    s.alpha = float(alpha)
    return s


def _pixels(relevance):
    r, a = _in(relevance, "relevance", rank=[3, 4])
    return r, a, np.zeros((r.shape[-2], r.shape[-1], 3), dtype=np.uint8)


def heatmap(relevance, cmap="bwr", quantize=0, positive=False):
    """relevance (C,H,W) or (1,C,H,W) as `onnx-lrp explain` draws it: the
    channel sum, optionally quantized into `quantize` levels (method §6),
    through the colormap (bwr, coldnhot, seismic, jet, gray). (H,W,3) uint8."""
    r, a, rgb = _pixels(relevance)
    s = _style(cmap, quantize, positive, 0.6)
    _call(lib.lrp_render_heatmap, ctypes.byref(a), ctypes.byref(s), rgb.ctypes.data)
    return rgb


def overlay(relevance, display, cmap="bwr", quantize=0, positive=False, alpha=0.6):
    """The heatmap over display (H,W,3) in [0,1] (Model.load_image's), as
    `onnx-lrp explain` draws its overlay. (H,W,3) uint8."""
    r, a, rgb = _pixels(relevance)
    d, da = _in(display, "display", rank=[3])
    s = _style(cmap, quantize, positive, alpha)
    _call(lib.lrp_render_overlay, ctypes.byref(a), ctypes.byref(da), ctypes.byref(s),
          rgb.ctypes.data)
    return rgb


def save_png(path, pixels):
    """(H,W) or (H,W,C) uint8 pixels, C 1 to 4, as a PNG file; the same
    pixels give the same bytes as the CLI's."""
    p = np.ascontiguousarray(pixels, dtype=np.uint8)
    if p.ndim == 2:
        p = p[:, :, None]
    if p.ndim != 3:
        raise Error("arg", "save_png: pixels (H,W) or (H,W,C), got shape %s" % (p.shape,))
    _call(lib.lrp_png_save, _path(path), p.ctypes.data, p.shape[1], p.shape[0], p.shape[2])
