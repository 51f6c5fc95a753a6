"""The bench's ResNets: torchvision's architectures with seeded random weights, as ONNX files
(tools/export_resnet.py, BatchNorm folded) and as the same torch model, so that onnx-lrp and a
PyTorch tool explain the same network."""
import os
import subprocess
import sys
from types import SimpleNamespace

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARCHS = ("resnet18", "resnet50")


def onnx_file(folder, arch, cli):
    """folder/arch.onnx, exported by tools/export_resnet.py (seed 0) when it is missing."""
    path = os.path.join(folder, arch + ".onnx")
    if not os.path.exists(path):
        os.makedirs(folder, exist_ok=True)
        subprocess.run([os.path.join(ROOT, "tools", "export_resnet.py"), arch, "-o", path,
                        "--cli", cli], check=True, stdout=subprocess.DEVNULL)
    return path


def torch_model(arch, seed=0):
    """The torch model onnx_file() exports: tools/export_resnet.py's own build (weights from
    torch.manual_seed(seed), randomised BatchNorm statistics), in eval mode."""
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import export_resnet
    model, _ = export_resnet.build(SimpleNamespace(arch=arch, seed=seed, weights=None,
                                                   num_classes=None))
    return model
