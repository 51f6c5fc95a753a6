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
