"""Where the tests find things: ONNX_LRP_CLI (the onnx-lrp executable,
default: on PATH) and ONNX_LRP_SOURCE (the source tree, default: two
levels up); the library itself: ONNX_LRP_LIBRARY (see onnx_lrp/_lib.py)."""
import os
import shutil

import pytest

SOURCE = os.environ.get("ONNX_LRP_SOURCE",
                        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("ONNX_LRP_CLI") or shutil.which("onnx-lrp")
    assert path, "set ONNX_LRP_CLI to the onnx-lrp executable"
    return path


@pytest.fixture(scope="session")
def source():
    return SOURCE


@pytest.fixture(scope="session")
def sample_model():
    return os.path.join(SOURCE, "samples", "fashion-resnet-bn.onnx")


@pytest.fixture(scope="session")
def sample_images():
    d = os.path.join(SOURCE, "samples", "images")
    return [os.path.join(d, f) for f in sorted(os.listdir(d)) if f.endswith(".png")]
