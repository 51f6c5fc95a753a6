"""The C library through ctypes: where it is found, and lrp.h's structs and
signatures, in lrp.h's order. ctypes.CDLL releases the GIL around each call."""
import ctypes
import os

MAX_RANK = 8
MAX_CHANNELS = 16
LRP_ERR_UNSUPPORTED = 3


class Error(Exception):
    """A failed onnx-lrp call: .status is lrp.h's status name (e.g. "io",
    "shape"), the message the library's, naming the file, node and shapes."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class LrpError(ctypes.Structure):
    _fields_ = [("status", ctypes.c_int), ("message", ctypes.c_char * 512)]


class LrpArray(ctypes.Structure):
    _fields_ = [("rank", ctypes.c_int), ("dims", ctypes.c_int64 * MAX_RANK),
                ("data", ctypes.POINTER(ctypes.c_float))]


class LrpConfig(ctypes.Structure):
    _fields_ = [("preset", ctypes.c_char_p), ("split", ctypes.c_int), ("init", ctypes.c_int),
                ("epsilon", ctypes.c_double), ("gamma", ctypes.c_double),
                ("alpha", ctypes.c_double), ("beta", ctypes.c_double),
                ("zero_bias", ctypes.c_int), ("target", ctypes.c_int),
                ("n_bounds", ctypes.c_int), ("low", ctypes.c_float * MAX_CHANNELS),
                ("high", ctypes.c_float * MAX_CHANNELS), ("first_rule", ctypes.c_char_p)]


class LrpImageReport(ctypes.Structure):
    _fields_ = [("target", ctypes.c_int), ("n_classes", ctypes.c_int),
                ("logits", ctypes.POINTER(ctypes.c_float)),
                ("probability", ctypes.c_double), ("output_relevance", ctypes.c_double),
                ("input_relevance_sum", ctypes.c_double),
                ("conservation_error", ctypes.c_double), ("bias_loss", ctypes.c_double),
                ("stabilizer_loss", ctypes.c_double)]


class LrpNodeFlow(ctypes.Structure):
    _fields_ = [("node", ctypes.c_char_p), ("op", ctypes.c_char_p), ("rule", ctypes.c_char_p),
                ("relevance_in", ctypes.c_double), ("relevance_out", ctypes.c_double),
                ("leak", ctypes.c_double), ("absorbed", ctypes.c_double)]


class LrpPreprocessing(ctypes.Structure):
    _fields_ = [("resize", ctypes.c_int), ("crop_h", ctypes.c_int), ("crop_w", ctypes.c_int),
                ("channels", ctypes.c_int), ("n_mean", ctypes.c_int), ("n_std", ctypes.c_int),
                ("mean", ctypes.c_float * 4), ("std", ctypes.c_float * 4),
                ("resize_h", ctypes.c_int), ("resize_w", ctypes.c_int),
                ("channels_last", ctypes.c_int), ("batch", ctypes.c_int),
                ("resize_name", ctypes.c_char_p), ("crop_name", ctypes.c_char_p),
                ("mean_name", ctypes.c_char_p), ("std_name", ctypes.c_char_p)]


class LrpHeatmapStyle(ctypes.Structure):
    _fields_ = [("cmap", ctypes.c_char_p), ("quantize", ctypes.c_int),
                ("positive_only", ctypes.c_int), ("alpha", ctypes.c_double)]


def _candidates():
    """ONNX_LRP_LIBRARY, then the library meson install put beside this
    package (_install.py), then the loader's search path."""
    if os.environ.get("ONNX_LRP_LIBRARY"):
        return [os.environ["ONNX_LRP_LIBRARY"]]
    found = []
    try:
        from . import _install  # written by meson install
        found.append(_install.LIBRARY)
    except ImportError:
        pass
    return found + ["libonnx-lrp.so.0"]


def _load():
    errors = []
    for path in _candidates():
        try:
            return ctypes.CDLL(path)
        except OSError as e:
            errors.append(str(e))
    raise ImportError("onnx_lrp: cannot load libonnx-lrp (set ONNX_LRP_LIBRARY to its path): "
                      + "; ".join(errors))


lib = _load()

P = ctypes.POINTER
c_void_pp = P(ctypes.c_void_p)
_SIGNATURES = {  # name: (result, arguments)
    "lrp_version": (ctypes.c_char_p, []),
    "lrp_status_str": (ctypes.c_char_p, [ctypes.c_int]),
    "lrp_array_free": (None, [P(LrpArray)]),
    "lrp_model_load": (ctypes.c_int, [ctypes.c_char_p, c_void_pp, P(LrpError)]),
    "lrp_model_free": (None, [ctypes.c_void_p]),
    "lrp_model_forward": (ctypes.c_int, [ctypes.c_void_p, P(LrpArray), P(LrpArray), P(LrpError)]),
    "lrp_model_set_threads": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_int, P(LrpError)]),
    "lrp_precision_from_name": (ctypes.c_int, [ctypes.c_char_p]),
    "lrp_model_set_precision": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_int, P(LrpError)]),
    "lrp_model_metadata": (ctypes.c_char_p, [ctypes.c_void_p, ctypes.c_char_p]),
    "lrp_config_init": (None, [P(LrpConfig)]),
    "lrp_config_set_normalization": (ctypes.c_int, [P(LrpConfig), ctypes.c_int,
                                                    P(ctypes.c_float), P(ctypes.c_float),
                                                    P(LrpError)]),
    "lrp_split_from_name": (ctypes.c_int, [ctypes.c_char_p]),
    "lrp_init_from_name": (ctypes.c_int, [ctypes.c_char_p]),
    "lrp_explainer_new": (ctypes.c_int, [ctypes.c_void_p, P(LrpConfig), c_void_pp, P(LrpError)]),
    "lrp_explainer_free": (None, [ctypes.c_void_p]),
    "lrp_explainer_set_threads": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_int, P(LrpError)]),
    "lrp_explain": (ctypes.c_int, [ctypes.c_void_p, P(LrpArray), P(LrpArray), c_void_pp,
                                   P(LrpError)]),
    "lrp_report_free": (None, [ctypes.c_void_p]),
    "lrp_report_images": (ctypes.c_int, [ctypes.c_void_p]),
    "lrp_report_image": (LrpImageReport, [ctypes.c_void_p, ctypes.c_int]),
    "lrp_report_forward_ms": (ctypes.c_double, [ctypes.c_void_p]),
    "lrp_report_explain_ms": (ctypes.c_double, [ctypes.c_void_p]),
    "lrp_report_memory": (None, [ctypes.c_void_p, P(ctypes.c_size_t), P(ctypes.c_size_t)]),
    "lrp_report_steps": (ctypes.c_int, [ctypes.c_void_p]),
    "lrp_report_step": (LrpNodeFlow, [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]),
    "lrp_image_decode": (ctypes.c_int, [ctypes.c_char_p, P(LrpArray), P(LrpError)]),
    "lrp_image_decode_mem": (ctypes.c_int, [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p,
                                            P(LrpArray), P(LrpError)]),
    "lrp_preprocessing_init": (None, [P(LrpPreprocessing)]),
    "lrp_preprocessing_for_model": (ctypes.c_int, [ctypes.c_void_p, P(LrpPreprocessing),
                                                   P(LrpError)]),
    "lrp_normalization_for_model": (ctypes.c_int, [ctypes.c_void_p, P(LrpArray),
                                                   P(LrpPreprocessing), P(LrpError)]),
    "lrp_preprocess_image": (ctypes.c_int, [P(LrpPreprocessing), P(LrpArray), P(LrpArray),
                                            P(LrpArray), P(LrpError)]),
    "lrp_image_load_input": (ctypes.c_int, [P(LrpPreprocessing), ctypes.c_char_p, P(LrpArray),
                                            P(LrpArray), P(LrpError)]),
    "lrp_relevance_to_planes": (ctypes.c_int, [P(LrpPreprocessing), P(LrpArray), P(LrpError)]),
    "lrp_npy_load": (ctypes.c_int, [ctypes.c_char_p, P(LrpArray), P(LrpError)]),
    "lrp_npy_save": (ctypes.c_int, [ctypes.c_char_p, P(LrpArray), P(LrpError)]),
    "lrp_heatmap_style_init": (None, [P(LrpHeatmapStyle)]),
    "lrp_render_heatmap": (ctypes.c_int, [P(LrpArray), P(LrpHeatmapStyle), ctypes.c_void_p,
                                          P(LrpError)]),
    "lrp_render_overlay": (ctypes.c_int, [P(LrpArray), P(LrpArray), P(LrpHeatmapStyle),
                                          ctypes.c_void_p, P(LrpError)]),
    "lrp_png_save": (ctypes.c_int, [ctypes.c_char_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
                                    ctypes.c_int, P(LrpError)]),
}
for _name, (_res, _args) in _SIGNATURES.items():
    _f = getattr(lib, _name)
    _f.restype, _f.argtypes = _res, _args


def check(status, err):
    """Raises Error with the library's message when status is not LRP_OK."""
    if status:
        raise Error(lib.lrp_status_str(status).decode(),
                    err.message.decode("utf-8", "replace"))
