"""zennit's explanation of the bench models, as its documentation prescribes for torchvision
ResNets: composite EpsilonPlusFlat with ResNetCanonizer (BatchNorm merged into the Conv
before it, a Sum module at each residual Add), the Gradient attributor, output relevance
one-hot at the top class. That is what `onnx-lrp explain --preset epsilon-plus-flat` computes
(docs/method.md §5). Shared by bench/zennit and bench/run --zennit; zennit itself is not part
of onnx-lrp and is imported from where the user says."""
import importlib
import os
import re
import sys
from types import SimpleNamespace


def import_zennit(where):
    """zennit's modules (attribution, composites, torchvision) and a version string. 'where' is
    a source snapshot (a folder holding src/zennit or zennit), or None for an installed zennit.
    Raises ImportError with a message naming what is missing."""
    if where:
        src = os.path.join(where, "src")
        path = src if os.path.isdir(os.path.join(src, "zennit")) else where
        if not os.path.isdir(os.path.join(path, "zennit")):
            raise ImportError("%s: no zennit package there (looked for %s/zennit and %s/zennit)"
                              % (where, src, where))
        sys.path.insert(0, path)
    try:
        mods = SimpleNamespace(**{m: importlib.import_module("zennit." + m)
                                  for m in ("attribution", "composites", "torchvision")})
    except ImportError as e:
        raise ImportError("zennit cannot be imported (%s); pass --zennit DIR (a source snapshot "
                          "such as zennit-0.5.1/ from its git tag) or install it" % e)
    try:
        from importlib.metadata import PackageNotFoundError, version
        mods.version = version("zennit")
    except (ImportError, PackageNotFoundError):  # a source snapshot: setup.py takes it from git
        m = re.search(r"zennit-(\d[\w.]*)", os.path.abspath(where or ""))
        mods.version = m.group(1) if m else "unknown"
    if where:
        mods.version += " (source at %s)" % os.path.abspath(where)
    return mods


class Explainer:
    """zennit registered on 'model' once (canonizer and rule hooks), as a user explaining many
    inputs does; explain(x) is then one forward and one modified backward pass.

    exact_bn: zennit 0.5.1's MergeBatchNorm folds each BatchNorm into the Conv before it and
    leaves the BatchNorm module with mean 0, variance 1, weight 1, bias 0 and its eps, so that
    the canonized model divides by sqrt(1 + eps) (1e-5: a factor 1 - 5e-6) at every BatchNorm
    and is not quite the model; the proportional split at an identity Add sees the mainstream
    shrunk against the shortcut. Later zennit sets eps to 0 there (zennit issue #234).
    exact_bn=True does that after the merge: the model's own function, as onnx-lrp folds it."""

    def __init__(self, zennit, model, exact_bn=False):
        import torch
        composite = zennit.composites.EpsilonPlusFlat(
            canonizers=[zennit.torchvision.ResNetCanonizer()])
        self.attributor = zennit.attribution.Gradient(model=model, composite=composite)
        self.attributor.__enter__()
        self.eps = {}
        if exact_bn:
            for m in model.modules():
                if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                    self.eps[m] = m.eps
                    m.eps = 0.0

    def explain(self, x):
        """(1,C,H,W) tensor -> (top class, input relevance as a tensor of x's shape)."""
        import torch
        top = []

        def one_hot(out):  # the output relevance: 1 at the top class of this forward pass
            top.append(out.argmax(1))
            return torch.nn.functional.one_hot(top[0], out.shape[1]).to(out.dtype)

        _, relevance = self.attributor(x, one_hot)
        return int(top[0][0]), relevance

    def close(self):
        """Removes the hooks and undoes the canonizer (the BatchNorm parameters come back)."""
        for m, eps in self.eps.items():
            m.eps = eps
        self.attributor.__exit__(None, None, None)
