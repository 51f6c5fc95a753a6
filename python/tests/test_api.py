"""The package itself: version, errors with the library's message, object
lifetimes, .npy and image decoding, preprocessing overrides, threads."""
import ctypes
import os
import re
import subprocess
import threading

import numpy as np
import pytest

import onnx_lrp


def test_version_is_the_library_and_the_cli_and_the_package(cli, source):
    with open(os.path.join(source, "python", "pyproject.toml")) as f:
        package = re.search(r'^version = "([^"]+)"', f.read(), re.M).group(1)
    out = subprocess.run([cli, "--version"], check=True, capture_output=True, text=True).stdout
    assert onnx_lrp.version() == package
    assert out.splitlines()[0] == "onnx-lrp " + package  # then the engines and the CPU


def test_errors_carry_the_library_message(sample_model, tmp_path):
    with pytest.raises(onnx_lrp.Error, match="nothing.onnx"):
        onnx_lrp.Model(str(tmp_path / "nothing.onnx"))
    with onnx_lrp.Model(sample_model) as model:
        with pytest.raises(onnx_lrp.Error, match="unknown preset 'nope'") as e:
            model.explain(np.zeros((1, 3, 64, 64), np.float32), preset="nope")
        assert e.value.status == "bad argument"
        with pytest.raises(onnx_lrp.Error, match=r"1x2x64x64|\(1, ?2, ?64, ?64\)|channels"):
            model.forward(np.zeros((1, 2, 64, 64), np.float32))
        with pytest.raises(onnx_lrp.Error, match="missing.png"):
            model.explain_image(str(tmp_path / "missing.png"))
        with pytest.raises(onnx_lrp.Error, match="resize 10 is smaller"):
            model.preprocessing(resize=10)


def test_objects_free_themselves(sample_model):
    with onnx_lrp.Model(sample_model) as model:
        e = model.explainer(preset="otsuki2024")
        e.close()
        e.close()  # twice is harmless
        kept = model.explainer()
    with pytest.raises(onnx_lrp.Error, match="Explainer is closed"):
        kept.explain(np.zeros((1, 3, 64, 64), np.float32))  # closed with its model
    with pytest.raises(onnx_lrp.Error, match="closed"):
        model.forward(np.zeros((1, 3, 64, 64), np.float32))
    model.close()
    onnx_lrp.Model(sample_model).explain(np.zeros((1, 3, 64, 64), np.float32))  # __del__


def test_npy_round_trip_is_np_save(tmp_path):
    x = np.random.default_rng(0).standard_normal((2, 3, 5)).astype(np.float32)
    onnx_lrp.save_npy(tmp_path / "ours.npy", x)
    np.save(tmp_path / "numpy.npy", x)
    assert (tmp_path / "ours.npy").read_bytes() == (tmp_path / "numpy.npy").read_bytes()
    assert onnx_lrp.load_npy(tmp_path / "numpy.npy").tobytes() == x.tobytes()
    np.save(tmp_path / "int.npy", np.arange(3))
    with pytest.raises(onnx_lrp.Error, match="int.npy: need a float32"):
        onnx_lrp.load_npy(tmp_path / "int.npy")


def test_decode_image_is_the_png_samples_over_255(sample_images):
    Image = pytest.importorskip("PIL.Image")
    img = onnx_lrp.decode_image(sample_images[0])
    want = np.asarray(Image.open(sample_images[0]), dtype=np.float32) / 255
    assert img.shape[:2] == want.shape[:2]
    assert np.array_equal(img.reshape(want.shape), want)
    with open(sample_images[0], "rb") as f:
        data = f.read()
    assert onnx_lrp.decode_image_bytes(data).tobytes() == img.tobytes()
    with pytest.raises(onnx_lrp.Error, match="upload.png"):
        onnx_lrp.decode_image_bytes(data[:40], name="upload.png")


def test_the_library_runs_without_the_gil():
    # ctypes.CDLL (not PyDLL) releases the GIL around every call
    assert type(onnx_lrp.lib) is ctypes.CDLL


def test_preprocessing_from_metadata_unless_given(sample_model):
    with onnx_lrp.Model(sample_model) as model:
        p = model.preprocessing()
        assert p["resize"] == int(model.metadata("onnx_lrp.resize"))
        assert p["crop"] == (64, 64)
        assert p["mean"] == pytest.approx([0.286] * 3)
        q = model.preprocessing(resize=80, mean=0.5, std=[0.25, 0.5, 1])
        assert q["resize"] == 80 and q["mean"] == [0.5] * 3 and q["std"] == [0.25, 0.5, 1]
        with pytest.raises(onnx_lrp.Error, match="crop does not fit"):
            model.preprocessing(crop=(32, 48))


def test_threads_explain_in_parallel(sample_model, sample_images):
    images = sample_images[:4]
    with onnx_lrp.Model(sample_model) as model:
        alone = [model.explain_image(i, preset="otsuki2024")[0] for i in images]
        together = [None] * len(images)

        def work(k):
            together[k] = model.explain_image(images[k], preset="otsuki2024")[0]

        threads = [threading.Thread(target=work, args=(k,)) for k in range(len(images))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    for a, b in zip(alone, together):
        assert a.tobytes() == b.tobytes()


def test_bad_arguments_raise_not_crash(sample_model):
    with onnx_lrp.Model(sample_model) as model:
        img = np.full((20, 20, 3), 0.5, np.float32)
        img[3, 4, 1] = np.nan
        with pytest.raises(onnx_lrp.Error, match=r"NaN"):
            model.load_image(img)
        with pytest.raises(onnx_lrp.Error, match="must be \\(H, W, C\\)"):
            model.load_image(np.zeros((20, 20, 5), np.float32))
        with pytest.raises(onnx_lrp.Error, match="smaller than the crop"):
            model.load_image(np.zeros((20, 20, 3), np.float32), resize=0)
        with pytest.raises(onnx_lrp.Error, match="std must be > 0"):
            model.preprocessing(std=0)
        with pytest.raises(onnx_lrp.Error, match="has 2 values"):
            model.preprocessing(mean=[0.1, 0.2])
        rel, _ = model.explain_image(np.zeros((64, 64, 3), np.float32))
        x, display = model.load_image(np.zeros((64, 64, 3), np.float32))
    with pytest.raises(onnx_lrp.Error, match="unknown colormap 'nope'"):
        onnx_lrp.heatmap(rel, cmap="nope")
    with pytest.raises(onnx_lrp.Error, match="quantize 1"):
        onnx_lrp.heatmap(rel, quantize=1)
    with pytest.raises(onnx_lrp.Error, match="rank"):
        onnx_lrp.heatmap(rel[0, 0])
    with pytest.raises(onnx_lrp.Error, match="must be \\(64, 64, 3\\)"):
        onnx_lrp.overlay(rel, display[:32])
    with pytest.raises(onnx_lrp.Error, match="alpha 2 is not"):
        onnx_lrp.overlay(rel, display, alpha=2)
    assert onnx_lrp.heatmap(np.zeros((1, 3, 4, 4), np.float32)).shape == (4, 4, 3)


def test_precision_bf16_or_a_clear_error(cli, sample_model):
    """bf16 maps move from f32 by bf16's rounding (relative L2 1e-4..2e-2, as
    tests/parity/bf16_precision.py argues); where bf16 cannot run, the error says why."""
    x = np.random.default_rng(13).standard_normal((1, 3, 64, 64)).astype(np.float32)
    with pytest.raises(onnx_lrp.Error, match="unknown precision 'f16'"):
        onnx_lrp.Model(sample_model, precision="f16")
    out = subprocess.run([cli, "--version"], check=True, capture_output=True, text=True).stdout
    if "bf16: available" not in out:
        with pytest.raises(onnx_lrp.Error, match="bf16"):
            onnx_lrp.Model(sample_model, precision="bf16")
        return
    with onnx_lrp.Model(sample_model) as f32, onnx_lrp.Model(sample_model, precision="bf16") as b16:
        a, _ = f32.explain(x, preset="otsuki2024")
        b, _ = b16.explain(x, preset="otsuki2024")
    rel = np.linalg.norm(b.astype(np.float64) - a) / np.linalg.norm(a)
    assert 1e-4 < rel < 2e-2


def test_report_memory_is_the_models_weights_and_the_batchs_kept_input(sample_model):
    onnx = pytest.importorskip("onnx")
    from onnx import numpy_helper
    m = onnx.load(sample_model)
    weights = sum(numpy_helper.to_array(t).nbytes for t in m.graph.initializer
                  if t.data_type == onnx.TensorProto.FLOAT)
    with onnx_lrp.Model(sample_model) as model:
        _, one = model.explain(np.zeros((1, 3, 64, 64), np.float32), preset="epsilon")
        _, two = model.explain(np.zeros((2, 3, 64, 64), np.float32), preset="epsilon")
    assert one.weights_mib == two.weights_mib == weights / 2**20
    # the kept activations (the input among them) scale with the batch
    assert two.kept_mib == 2 * one.kept_mib >= 2 * 3 * 64 * 64 * 4 / 2**20
