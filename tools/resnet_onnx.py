# ONNX export the way onnx-lrp reads best, the metadata_props it takes its defaults from,
# and the `onnx-lrp forward` parity check; shared by train_sample.py and export_resnet.py.
import os
import subprocess
import tempfile

import numpy as np
import onnx
import torch

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def export(model, path, size, bn="fold", opset=13, channels=3):
    """Export 'model' (put in eval mode) with input "input" (N, channels, size, size) and output
    "logits", batch axis dynamic. bn="fold": torch's default export, constant folding merges each
    BatchNormalization into the Conv before it; bn="keep": BatchNormalization nodes stay
    (no constant folding, TrainingMode.PRESERVE of an eval-mode model = inference-mode BN)."""
    if bn not in ("fold", "keep"):
        raise ValueError("bn must be 'fold' or 'keep', not %r" % bn)
    model.eval()
    dummy = torch.zeros(1, channels, size, size)
    extra = {} if bn == "fold" else {"do_constant_folding": False,
                                     "training": torch.onnx.TrainingMode.PRESERVE}
    with torch.no_grad():
        torch.onnx.export(model, dummy, path, opset_version=opset,
                          input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, **extra)
    ops = {n.op_type for n in onnx.load(path).graph.node}
    if (bn == "fold") == ("BatchNormalization" in ops):
        raise RuntimeError("%s: BatchNormalization %s after export with bn=%s"
                           % (path, "left" if bn == "fold" else "missing", bn))


def floats(values):
    """'0.485,0.456,0.406': the comma-separated form of the onnx_lrp.mean/std keys."""
    return ",".join("%g" % v for v in values)


def preprocessing_props(resize, crop, mean, std, labels=None):
    """The onnx_lrp.* metadata_props keys; labels (a list of class names) only when given."""
    props = {"onnx_lrp.resize": str(resize), "onnx_lrp.crop": str(crop),
             "onnx_lrp.mean": floats(mean), "onnx_lrp.std": floats(std)}
    if labels:
        props["onnx_lrp.labels"] = "\n".join(labels)
    return props


def set_metadata(path, props):
    """Write props into the model's metadata_props (replacing keys already there), check, save."""
    m = onnx.load(path)
    keep = [p for p in m.metadata_props if p.key not in props]
    del m.metadata_props[:]
    m.metadata_props.extend(keep)
    for k, v in props.items():
        entry = m.metadata_props.add()
        entry.key, entry.value = k, v
    onnx.checker.check_model(m)
    onnx.save(m, path)


def read_labels(path):
    """Class names, one per line (blank lines at the end ignored)."""
    with open(path, encoding="utf-8") as f:
        names = [line.rstrip("\r\n") for line in f]
    while names and not names[-1].strip():
        names.pop()
    return names


def cli_parity(cli, model, path, size, batch=2, seed=0, rtol=1e-4, channels=3):
    """Run `cli forward path` on a seeded N(0,1) batch and compare with model(x).
    Returns (ok, message); ok when max|diff| <= rtol * max|logit|."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, channels, size, size, generator=g)
    model.eval()
    with torch.no_grad():
        ref = model(x).numpy().astype(np.float64)
    with tempfile.TemporaryDirectory(prefix="onnx-lrp-export-") as tmp:
        xin, yout = os.path.join(tmp, "input.npy"), os.path.join(tmp, "logits.npy")
        np.save(xin, x.numpy())
        try:
            p = subprocess.run([cli, "forward", path, "--input-tensor", xin, "--output-tensor", yout],
                               capture_output=True, text=True)
        except OSError as e:
            return False, "cannot run %s: %s" % (cli, e)
        if p.returncode != 0:
            return False, "onnx-lrp forward failed (exit %d): %s" % (p.returncode, p.stderr.strip())
        ours = np.load(yout).astype(np.float64)
    if ours.shape != ref.shape:
        return False, "output shape %s, PyTorch %s" % (ours.shape, ref.shape)
    diff, scale = float(np.abs(ours - ref).max()), float(np.abs(ref).max())
    ok = diff <= rtol * scale
    return ok, "max|diff| %.3g, max|logit| %.3g, ratio %.2g (limit %g), top-1 %s: %s" % (
        diff, scale, diff / scale if scale else diff, rtol,
        "same" if (ours.argmax(1) == ref.argmax(1)).all() else "DIFFERENT", "PASS" if ok else "FAIL")
