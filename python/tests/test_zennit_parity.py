"""What a zennit user checks in five lines: onnx-lrp's relevance against
zennit's golden maps (tests/golden, zennit 0.5.1 in float64), and its
forward pass against PyTorch's on a torchvision ResNet."""
import json
import os

import numpy as np
import pytest

import onnx_lrp

PRESETS = {  # tests/golden/<case>/zennit/<name>.npy: onnx_lrp options
    "epsilon-plus-flat": dict(preset="EpsilonPlusFlat"),
    "epsilon-plus": dict(preset="EpsilonPlus"),
    "epsilon-alpha2-beta1": dict(preset="EpsilonAlpha2Beta1"),
    "epsilon-gamma-box": dict(preset="EpsilonGammaBox"),
    "epsilon-plus-flat-nobias": dict(preset="EpsilonPlusFlat", zero_bias=True),
}


@pytest.mark.parametrize("case", ["tiny-basic", "tiny-bottleneck"])
@pytest.mark.parametrize("name", sorted(PRESETS))
def test_golden_zennit_maps(source, case, name):
    d = os.path.join(source, "tests", "golden", case)
    target = json.load(open(os.path.join(d, "case.json")))["target"]
    # the five lines:
    model = onnx_lrp.Model(os.path.join(d, "model.onnx"))
    x = np.load(os.path.join(d, "input.npy"))
    rel, report = model.explain(x, target=target, **PRESETS[name])
    zennit = np.load(os.path.join(d, "zennit", name + ".npy"))
    assert np.linalg.norm(rel - zennit) / np.linalg.norm(zennit) < 1e-4
    assert report.images[0]["target"] == target


def test_forward_matches_torchvision(tmp_path):
    torch = pytest.importorskip("torch")
    torchvision = pytest.importorskip("torchvision")
    torch.manual_seed(0)
    net = torchvision.models.resnet18(weights=None, num_classes=10).eval()
    x = torch.randn(2, 3, 64, 64)
    path = str(tmp_path / "resnet18.onnx")
    torch.onnx.export(net, x, path, opset_version=13)
    with torch.no_grad():
        want = net(x).numpy()
    with onnx_lrp.Model(path, threads=2) as model:
        got = model.forward(x.numpy())
    assert got.shape == want.shape
    assert np.abs(got - want).max() <= 1e-4 * np.abs(want).max()
