#!/usr/bin/python3
# The rule-table methods of method §5 and §11 against independent
# computations on a seeded ResNet-like torch model (an identity and a
# projection block, biases everywhere): LRP-ε everywhere with the
# proportional split, epsilon-alpha2-beta1-flat and the wsquare first layer
# (--first-rule) written out layer by layer in float64 torch from the
# formulas of method §2 and §4; guided-backprop and deconvnet as torch
# autograd with zennit's ReLU backward hooks. Also: which of them report
# conservation, and the bad uses of --first-rule.
import argparse
import json
import os
import tempfile

from parity_common import Bad, Checks, run, run_status, skip

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError:
    skip("numpy or torch is not available")

ap = argparse.ArgumentParser(description="onnx-lrp LRP-epsilon, alpha2-beta1-flat, wsquare, "
                             "guided backprop and deconvnet against torch")
ap.add_argument("--cli", required=True)
args = ap.parse_args()

TARGET, EPS = 3, 1e-6


class Net(torch.nn.Module):
    """conv-relu, an identity block, a projection block (stride 2), global pool, linear."""

    def __init__(self):
        super().__init__()
        conv = torch.nn.Conv2d
        self.c0 = conv(3, 4, 3, padding=1)
        self.c1, self.c2 = conv(4, 4, 3, padding=1), conv(4, 4, 3, padding=1)
        self.c3, self.c4 = conv(4, 6, 3, stride=2, padding=1), conv(6, 6, 3, padding=1)
        self.sc = conv(4, 6, 1, stride=2)
        self.relus = torch.nn.ModuleList(torch.nn.ReLU() for _ in range(5))
        self.fc = torch.nn.Linear(6, 5)

    def forward(self, x):
        r = self.relus
        a = r[0](self.c0(x))
        b = r[2](self.c2(r[1](self.c1(a))) + a)  # the ReLU after a residual Add
        c = r[4](self.c4(r[3](self.c3(b))) + self.sc(b))
        return self.fc(F.adaptive_avg_pool2d(c, 1).flatten(1))


def make_model(tmp):
    torch.manual_seed(16)
    m = Net().eval()
    for p in m.parameters():  # He's init keeps activations O(1); biases of either sign
        if p.dim() == 1:
            p.data.uniform_(-0.1, 0.1)
        else:
            p.data.normal_(0.0, (2.0 / p[0].numel()) ** 0.5)
    x = torch.randn(2, 3, 8, 8)
    path = os.path.join(tmp, "m.onnx")
    torch.onnx.export(m, x, path, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "n"}, "y": {0: "n"}})
    np.save(os.path.join(tmp, "x.npy"), x.numpy())
    return m, path, x.double()


def explain(tmp, model, preset, *opts):
    rp = os.path.join(tmp, preset + ".npy")
    ok, out, err = run([args.cli, "explain", model, "--input-tensor", os.path.join(tmp, "x.npy"),
                        "--preset", preset, "--target", str(TARGET), "--relevance-out", rp,
                        "--json"] + list(opts))
    if not ok:
        raise Bad("explain --preset %s failed: %s" % (preset, err.strip()))
    return np.load(rp).astype(np.float64), [json.loads(line) for line in out.splitlines()]


def close(ours, ref, rtol, what):
    ref = ref.detach().numpy() if torch.is_tensor(ref) else ref
    scale = max(np.abs(ref).max(), 1e-12)
    diff = np.abs(ours - ref).max()
    if not diff <= rtol * scale:
        raise Bad("%s: max_abs_diff %.3e of scale %.3e" % (what, diff, scale))
    return "max_abs_diff %.2e (scale %.2e)" % (diff, scale)


# ---- LRP written out (method §2, §3, §4), float64 --------------------------

def stab(z):
    return z + EPS * torch.where(z >= 0, 1.0, -1.0)


def rule_bias(mod, zero_bias):
    """The bias a rule sees: --zero-bias drops it from the rules, not from the forward pass."""
    return mod.bias.double() * (0.0 if zero_bias else 1.0)


def conv_rule(conv, x, r, rule, zero_bias):
    """R at conv's input from R at its output, for one z-rule of method §2."""
    w, b = conv.weight.double(), rule_bias(conv, zero_bias)
    fwd = lambda inp, ww, bb: F.conv2d(inp, ww, bb, conv.stride, conv.padding)
    back = lambda ww, s: torch.nn.grad.conv2d_input(x.shape, ww, s, conv.stride, conv.padding)
    if rule == "epsilon":
        return x * back(w, r / stab(fwd(x, w, b)))
    if rule == "flat":
        ones = torch.ones_like(w)
        return back(ones, r / stab(fwd(torch.ones_like(x), ones, None)))
    if rule == "wsquare":  # zennit's WSquare: W² and b², input 1
        return back(w * w, r / stab(fwd(torch.ones_like(x), w * w, b * b)))
    if rule == "alpha2-beta1":
        xp, xn, wp, wn = x.clamp(min=0), x.clamp(max=0), w.clamp(min=0), w.clamp(max=0)
        za = fwd(xp, wp, b.clamp(min=0)) + fwd(xn, wn, None)
        zb = fwd(xp, wn, b.clamp(max=0)) + fwd(xn, wp, None)
        sa, sb = r / stab(za), r / stab(zb)
        return (2 * (xp * back(wp, sa) + xn * back(wn, sa))
                - (xp * back(wn, sb) + xn * back(wp, sb)))
    raise ValueError(rule)


def split(m, s, r):
    """The proportional split of a residual Add (zennit's Norm on its Sum)."""
    q = r / stab(m + s)
    return m * q, s * q


def lrp(net, x, first, conv, zero_bias):
    """Input relevance of one-hot R at TARGET: 'first' at c0, 'conv' at the other
    Convs, epsilon at the Linear, the Norm rule at the global pool, ReLUs pass."""
    rule = lambda mod, inp, r, name: conv_rule(mod, inp, r, name, zero_bias)
    d = lambda mod, inp: F.conv2d(inp, mod.weight.double(), mod.bias.double(), mod.stride,
                                  mod.padding)
    a = torch.relu(d(net.c0, x))
    h1 = torch.relu(d(net.c1, a))
    m1 = d(net.c2, h1)
    b = torch.relu(m1 + a)
    h3 = torch.relu(d(net.c3, b))
    m2, s2 = d(net.c4, h3), d(net.sc, b)
    c = torch.relu(m2 + s2)
    g = c.mean((2, 3))
    w, bias = net.fc.weight.double(), rule_bias(net.fc, zero_bias)
    r = torch.zeros(x.shape[0], 5, dtype=torch.float64)
    r[:, TARGET] = 1.0
    r_g = g * ((r / stab(g @ w.T + bias)) @ w)
    r_c = c * (r_g / stab(g))[:, :, None, None] / (c.shape[2] * c.shape[3])
    r_m2, r_s2 = split(m2, s2, r_c)
    r_b = rule(net.sc, b, r_s2, conv) + rule(net.c3, b, rule(net.c4, h3, r_m2, conv), conv)
    r_m1, r_a = split(m1, a, r_b)
    r_a = r_a + rule(net.c1, a, rule(net.c2, h1, r_m1, conv), conv)
    return rule(net.c0, x, r_a, first)


def conservation_errors(ref):
    return ref.sum((1, 2, 3)) - 1.0  # R_out = 1


def check_lrp(m, model, x, tmp, preset, first, conv, *opts):
    ours, reps = explain(tmp, model, preset, *opts)
    with torch.no_grad():
        ref = lrp(m, x, first, conv, False)
    detail = close(ours, ref, 1e-4, preset)
    want = conservation_errors(ref).numpy()
    got = np.array([rep["conservation_error"] for rep in reps])
    if got.shape != want.shape or not np.allclose(got, want, rtol=1e-3, atol=1e-5):
        raise Bad("conservation error: ours %s, reference %s" % (got, want))
    return detail + ", conservation error %s" % np.array2string(want, precision=3)


def check_zero_bias_conserves(m, model, x, tmp):
    """Method §9: without biases LRP-ε loses only what the stabilizer keeps. (A
    neuron with z near 0 makes the map itself ill-conditioned: only sums here.)"""
    ours, reps = explain(tmp, model, "epsilon", "--zero-bias")
    with torch.no_grad():
        want = conservation_errors(lrp(m, x, "epsilon", "epsilon", True)).numpy()
    got = np.array([rep["conservation_error"] for rep in reps])
    if np.abs(want).max() > 1e-4 or np.abs(got).max() > 1e-4:
        raise Bad("conservation error: ours %s, reference %s" % (got, want))
    return "conservation error: ours %s, reference %s" % (
        np.array2string(got, precision=2), np.array2string(want, precision=2))


# ---- gradient methods: torch autograd with zennit's ReLU hooks -------------

def guided(module, grad_input, grad_output):  # zennit ReLUGuidedBackprop
    return (grad_input[0] * (grad_output[0] > 0.0),)


def deconv(module, grad_input, grad_output):  # zennit ReLUDeconvNet
    return (grad_output[0].clamp(min=0),)


def hooked_gradient(m, x, hook):
    handles = [r.register_full_backward_hook(hook) for r in m.relus] if hook else []
    t = x.float().clone().requires_grad_(True)
    m(t)[:, TARGET].sum().backward()
    for h in handles:
        h.remove()
    return t.grad.double()


def check_gradient_method(m, model, x, tmp, preset, hook):
    ours, reps = explain(tmp, model, preset)
    ref = hooked_gradient(m, x, hook)
    plain = hooked_gradient(m, x, None)
    if torch.allclose(ref, plain, rtol=1e-3, atol=1e-6):
        raise Bad("the fixture does not tell %s from the gradient" % preset)
    if any(rep["conservation_error"] is not None for rep in reps):
        raise Bad("a conservation error is reported: %s" % reps[0]["conservation_error"])
    return close(ours, ref, 1e-4, preset) + ", no conservation"


def check_bad_first_rule(model, tmp):
    """Each bad use: exit 2 with one line on stderr naming the option or the preset."""
    cases = [(["--first-rule", "w-squared"], "--first-rule"),
             (["--first-rule", "paper-first"], "--first-rule"),
             (["--preset", "guided-backprop", "--first-rule", "wsquare"], "guided-backprop"),
             (["--preset", "smoothgrad", "--first-rule", "wsquare"], "smoothgrad")]
    for opts, name in cases:
        code, out, err = run_status([args.cli, "explain", model, "--input-tensor",
                                     os.path.join(tmp, "x.npy"), "--relevance-out",
                                     os.path.join(tmp, "bad.npy")] + opts)
        lines = err.strip().splitlines()
        if code != 2 or len(lines) != 1 or name not in lines[0] or \
                os.path.exists(os.path.join(tmp, "bad.npy")):
            raise Bad("%s: exit %s, %r" % (" ".join(opts), code, err.strip()))
    return "%d cases exit 2 naming the option or preset" % len(cases)


with tempfile.TemporaryDirectory(prefix="onnx-lrp-rule-methods-") as tmp:
    checks = Checks(width=44)
    try:
        m, model, x = make_model(tmp)
    except Exception as e:  # an exporter that cannot write the model: nothing to test against
        skip("torch could not export the model: %s" % e)
    checks.report("epsilon (LRP-e, proportional split)", check_lrp, m, model, x, tmp,
                  "epsilon", "epsilon", "epsilon")
    checks.report("epsilon --zero-bias conserves", check_zero_bias_conserves, m, model, x, tmp)
    checks.report("EpsilonAlpha2Beta1Flat", check_lrp, m, model, x, tmp,
                  "EpsilonAlpha2Beta1Flat", "flat", "alpha2-beta1")
    checks.report("epsilon --first-rule wsquare", check_lrp, m, model, x, tmp,
                  "epsilon", "wsquare", "epsilon", "--first-rule", "wsquare")
    checks.report("epsilon-alpha2-beta1 --first-rule wsquare", check_lrp, m, model, x, tmp,
                  "epsilon-alpha2-beta1", "wsquare", "alpha2-beta1", "--first-rule", "wsquare")
    checks.report("guided-backprop", check_gradient_method, m, model, x, tmp,
                  "guided-backprop", guided)
    checks.report("DeconvNet", check_gradient_method, m, model, x, tmp, "DeconvNet", deconv)
    checks.report("--first-rule misuse", check_bad_first_rule, model, tmp)
    checks.finish()
