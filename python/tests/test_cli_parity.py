"""onnx_lrp gives the bytes `onnx-lrp explain` writes: the relevance, the
heatmap and the overlay of the same image with the same options."""
import json
import os
import subprocess

import numpy as np
import pytest

import onnx_lrp

OPTIONS = [  # (CLI options, Model.explain_image options, heatmap options)
    ([], {}, {}),
    (["--preset", "otsuki2024", "--split", "ratio"], dict(preset="otsuki2024", split="ratio"), {}),
    (["--preset", "epsilon-gamma-box", "--colormap", "coldnhot", "--quantize", "8",
      "--positive"], dict(preset="epsilon-gamma-box"),
     dict(cmap="coldnhot", quantize=8, positive=True)),
    (["--preset", "epsilon", "--first-rule", "wsquare"],
     dict(preset="epsilon", first_rule="wsquare"), {}),
]


def read(path):
    with open(path, "rb") as f:
        return f.read()


@pytest.mark.parametrize("cli_opts,opts,style", OPTIONS)
def test_same_bytes_as_cli(cli, sample_model, sample_images, tmp_path, cli_opts, opts, style):
    images = sample_images[::7][:2]
    out = tmp_path / "cli"
    subprocess.run([cli, "explain", sample_model, *images, "-o", str(out), "--save-relevance",
                    *cli_opts], check=True, capture_output=True)
    report = json.load(open(out / "report.json"))
    with onnx_lrp.Model(sample_model) as model:
        for image in images:
            stem = os.path.splitext(os.path.basename(image))[0]
            rel, rep = model.explain_image(image, **opts)
            theirs = np.load(out / (stem + ".relevance.npy"))
            assert rel.shape == (1,) + theirs.shape
            assert rel[0].tobytes() == theirs.tobytes(), "relevance differs from the CLI's"
            onnx_lrp.save_png(tmp_path / "heat.png", onnx_lrp.heatmap(rel, **style))
            assert read(tmp_path / "heat.png") == read(out / (stem + ".heatmap.png"))
            _, display = model.load_image(image)
            onnx_lrp.save_png(tmp_path / "over.png", onnx_lrp.overlay(rel, display, **style))
            assert read(tmp_path / "over.png") == read(out / (stem + ".overlay.png"))
            entry = [e for e in report["images"] if e["file"] == image][0]
            assert rep.images[0]["target"] == entry["target"]
            assert rep.images[0]["probability"] == entry["probability"]


@pytest.mark.parametrize("preset", ["epsilon-gamma-box", "otsuki2024"])
def test_tensor_explanation_same_bytes_as_cli(cli, sample_model, sample_images, tmp_path, preset):
    with onnx_lrp.Model(sample_model) as model:
        x = np.concatenate([model.load_image(i)[0] for i in sample_images[:3]])
        np.save(tmp_path / "x.npy", x)
        subprocess.run([cli, "explain", sample_model, "--input-tensor", str(tmp_path / "x.npy"),
                        "--relevance-out", str(tmp_path / "r.npy"), "--preset", preset],
                       check=True, capture_output=True)
        rel, report = model.explain(x, preset=preset)
    assert rel.tobytes() == np.load(tmp_path / "r.npy").tobytes()
    assert len(report.images) == 3


def four_channel_model(path):
    """Conv (4 -> 6) -> Relu -> GlobalAveragePool -> Flatten -> Gemm (6 -> 3) on (1, 4, 8, 8),
    seeded, with metadata onnx_lrp.mean and .std: a 4-channel input has no default."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(7)
    weights = [numpy_helper.from_array(rng.normal(size=s).astype(np.float32), n)
               for n, s in (("W", (6, 4, 3, 3)), ("B", (6,)), ("G", (3, 6)), ("C", (3,)))]
    nodes = [helper.make_node("Conv", ["x", "W", "B"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"]),
             helper.make_node("GlobalAveragePool", ["r"], ["p"]),
             helper.make_node("Flatten", ["p"], ["f"]),
             helper.make_node("Gemm", ["f", "G", "C"], ["y"], transB=1)]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 8, 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])
    graph = helper.make_graph(nodes, "four", [x], [y], weights)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    helper.set_model_props(m, {"onnx_lrp.mean": "0.1,0.2,0.3,0.4",
                               "onnx_lrp.std": "0.5,0.25,0.2,0.1"})
    onnx.save(m, path)


def test_tensor_normalization_from_metadata_as_cli(cli, tmp_path):
    """The zbox bounds of a tensor come from the model's metadata in Python as in the CLI,
    for an input images cannot feed (4 channels) too."""
    model_path = str(tmp_path / "four.onnx")
    four_channel_model(model_path)
    x = np.random.default_rng(3).normal(size=(1, 4, 8, 8)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    subprocess.run([cli, "explain", model_path, "--input-tensor", str(tmp_path / "x.npy"),
                    "--relevance-out", str(tmp_path / "r.npy"), "--preset", "epsilon-gamma-box"],
                   check=True, capture_output=True)
    with onnx_lrp.Model(model_path) as model:
        rel, _ = model.explain(x, preset="epsilon-gamma-box")
    theirs = np.load(tmp_path / "r.npy")
    assert rel.tobytes() == theirs.tobytes(), "relevance differs from the CLI's"
