#!/usr/bin/python3
# Hostile models (issue 8): each must be refused with exit 2 and one `onnx-lrp: error:` line
# naming the file, within TIMEOUT seconds and bounded memory (RLIMIT_AS where the build allows
# it, peak RSS always), never a crash. The files come from tests/bad_input/gen_bad_models.py;
# the 100,000-node chain and the deeply nested subgraphs are written at test time into --workdir.
import argparse
import os
import resource
import struct
import subprocess
import sys
import tempfile
import time

from parity_common import finish, skip

TIMEOUT = 20                 # seconds per run
QUICK = 5                    # seconds within which size-limit cases must be refused
MEMORY_LIMIT = 2 << 30       # RLIMIT_AS of the child (not under sanitizers or valgrind)
RSS_LIMIT = 1 << 30          # peak resident memory of any run
CHAIN_NODES = 100_000
CHAIN_SECONDS = 10           # load + inspect of the chain ("a few seconds"; ASan builds are slower)
NEST_DEPTH = 100_000         # GRAPH attributes nested in GRAPH attributes

# Known library bugs, reported and awaiting a fix in src/: the case is run and its verdict
# printed as XFAIL; once it passes it turns into a failure (XPASS) until removed from here.
KNOWN_BUGS = {}  # key -> reason, for a bug found but not fixed yet (reported as XFAIL)

ap = argparse.ArgumentParser(description="onnx-lrp must refuse hostile models cleanly (exit 2)")
ap.add_argument("--cli", required=True, help="path to the onnx-lrp executable")
ap.add_argument("--dir", required=True, help="tests/bad_input (output of gen_bad_models.py)")
ap.add_argument("--workdir", required=True, help="scratch directory for generated models")
args = ap.parse_args()
cli = args.cli


def bad(name):
    return os.path.join(args.dir, name)


def sanitized(path):
    """True when the executable carries ASan (RLIMIT_AS would break its shadow memory)."""
    with open(path, "rb") as f:
        data = f.read()
    return b"__asan_init" in data or b"AddressSanitizer" in data


# ---- protobuf wire format, enough for ModelProto / GraphProto / NodeProto ----------------------

def varint(n):
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(num, payload):
    """A length-delimited field (wire type 2)."""
    return varint(num << 3 | 2) + varint(len(payload)) + payload


def intfield(num, value):
    return varint(num << 3) + varint(value)


def value_info(name, dims):
    """ValueInfoProto name (1), type (2): TypeProto.tensor_type (1) {elem_type (1) FLOAT, shape (2)}."""
    shape = b"".join(field(1, intfield(1, d)) for d in dims)
    tensor = intfield(1, 1) + field(2, shape)
    return field(1, name.encode()) + field(2, field(1, tensor))


def node(op, inputs, outputs, name):
    """NodeProto input (1), output (2), name (3), op_type (4)."""
    return (b"".join(field(1, i.encode()) for i in inputs)
            + b"".join(field(2, o.encode()) for o in outputs)
            + field(3, name.encode()) + field(4, op.encode()))


def model_bytes(graph_body):
    """ModelProto ir_version (1) 7, opset_import (8) {version (2) 13}, graph (7)."""
    return intfield(1, 7) + field(8, intfield(2, 13)) + varint(7 << 3 | 2) + varint(len(graph_body))


def write_chain(path, n):
    """input -> Relu -> ... -> Relu -> output, n nodes, on a (1, 1, 2, 2) input."""
    names = ["input"] + ["t%d" % i for i in range(1, n)] + ["output"]
    body = b"".join(field(1, node("Relu", [names[i]], [names[i + 1]], "relu%d" % i))
                    for i in range(n))
    body += field(11, value_info("input", [1, 1, 2, 2])) + field(12, value_info("output", [1, 1, 2, 2]))
    with open(path, "wb") as f:
        f.write(model_bytes(body) + body)


def write_nested(path, depth):
    """A graph whose second node carries a GRAPH attribute holding a node with a GRAPH attribute,
    depth levels deep (about 22 bytes a level): a parser that recurses runs out of stack."""
    inner = field(4, b"Relu")
    heads, size = [], len(inner)
    for _ in range(depth):
        # NodeProto{op_type "If", attribute (5): {name (1) "g", type (20) GRAPH, g (6): {node (1)}}}
        graph_head = varint(1 << 3 | 2) + varint(size)
        graph_len = len(graph_head) + size
        attr_head = (field(1, b"g") + intfield(20, 5) + varint(6 << 3 | 2) + varint(graph_len)
                     + graph_head)
        node_head = field(4, b"If") + varint(5 << 3 | 2) + varint(len(attr_head) + size) + attr_head
        heads.append(node_head)
        size += len(node_head)
    nested = b"".join(reversed(heads)) + inner
    body = (field(1, node("Relu", ["input"], ["output"], "relu"))
            + varint(1 << 3 | 2) + varint(len(nested)) + nested
            + field(11, value_info("input", [1, 1, 2, 2])) + field(12, value_info("output", [1, 1, 2, 2])))
    with open(path, "wb") as f:
        f.write(model_bytes(body) + body)


def write_npy(path, shape):
    """A float32 .npy of zeros (no numpy needed)."""
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % "".join(
        "%d, " % d for d in shape)
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    count = 1
    for d in shape:
        count *= d
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1"))
        f.write(b"\0" * (4 * count))


# ---- running one case --------------------------------------------------------------------------

LIMIT_AS = not sanitized(cli)


def limit_memory():
    if LIMIT_AS:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_bounded(argv):
    """(exit code or None on timeout, stderr text, seconds, peak RSS bytes)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.monotonic()
        p = subprocess.Popen([cli] + argv, stdout=out, stderr=err, preexec_fn=limit_memory)
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - t0 > TIMEOUT:
                p.kill()
                _, status, usage = os.wait4(p.pid, 0)
                p.returncode = -9
                err.seek(0)
                return None, err.read().decode("utf-8", "replace"), TIMEOUT, usage.ru_maxrss * 1024
            time.sleep(0.01)
        dt = time.monotonic() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        return p.returncode, err.read().decode("utf-8", "replace"), dt, usage.ru_maxrss * 1024


def verdict(argv, frags, quick=False, may_work=False, budget=None):
    code, err, dt, rss = run_bounded(argv)
    lines = err.splitlines()
    if code is None:
        return "FAIL (no exit within %d s)" % TIMEOUT
    if code < 0:
        return "FAIL (killed by signal %d: crash; %s)" % (-code, (lines or [""])[-1][:200])
    if rss > RSS_LIMIT:
        return "FAIL (peak RSS %d MiB > %d MiB)" % (rss >> 20, RSS_LIMIT >> 20)
    if budget and dt > budget:
        return "FAIL (%.1f s, want < %d s)" % (dt, budget)
    if quick and dt > QUICK:
        return "FAIL (refused after %.1f s, want < %d s)" % (dt, QUICK)
    tail = "  [%.2f s, %d MiB]" % (dt, rss >> 20)
    if code == 0 and may_work:
        return "worked" + tail + "  PASS"
    if code != 2:
        return "FAIL (exit %d, want 2: %s)" % (code, (lines or ["(no stderr)"])[0][:200])
    if len(lines) != 1 or not lines[0].startswith("onnx-lrp: error:"):
        return "FAIL (stderr is not one 'onnx-lrp: error:' line: %r)" % err[:300]
    missing = [f for f in frags if not any(a in lines[0] for a in (f if isinstance(f, tuple) else (f,)))]
    if missing:
        return "FAIL (missing %s in: %s)" % (" / ".join(map(repr, missing)), lines[0])
    return lines[0][:150] + tail + "  PASS"


passed = failed = 0


def report(label, text):
    global passed, failed
    ok = text.endswith("PASS")
    key = label.split()[0]
    if key in KNOWN_BUGS:
        text = ("XPASS (fixed? remove '%s' from KNOWN_BUGS)" % key) if ok else \
            "XFAIL (known bug: %s) %s" % (KNOWN_BUGS[key], text)
        ok = not ok
    print("%-36s %s" % (label, text))
    passed += ok
    failed += not ok


def inspect(name, frags, **kw):
    return ["inspect", bad(name)], [bad(name)] + frags, kw


# label -> (argv, fragments of the error line, options); one per item of the issue's list
if not os.path.isfile(cli):
    sys.exit("error: %s not found" % cli)
if not os.path.isfile(bad("large-activation.onnx")):
    skip("%s has no large-activation.onnx: run tests/bad_input/gen_bad_models.py" % args.dir)
os.makedirs(args.workdir, exist_ok=True)
chain, nested = os.path.join(args.workdir, "chain.onnx"), os.path.join(args.workdir, "nested.onnx")
x1, x2, x8, x0, x256 = (os.path.join(args.workdir, n) for n in
                        ("x1.npy", "x2.npy", "x8.npy", "x0.npy", "x256.npy"))
write_chain(chain, CHAIN_NODES)
write_nested(nested, NEST_DEPTH)
write_npy(x1, (1, 1, 1, 1))
write_npy(x2, (1, 1, 2, 2))
write_npy(x8, (1, 3, 8, 8))
write_npy(x0, (1, 3, 0, 8))
write_npy(x256, (1, 3, 256, 256))
large = bad("large-activation.onnx")

CASES = {
    # dims whose product overflows size_t (or int64)
    "size_t-overflow input": inspect("input-dims-overflow.onnx", ["relu_overflow"], quick=True),
    "size_t-overflow initializer": inspect("huge-initializer.onnx", ["'W'"], quick=True),
    "size_t-overflow reshape": inspect("huge-reshape.onnx", ["reshape_huge"], quick=True),
    "int64-overflow input": inspect("huge-dims.onnx", [], quick=True),
    # negative or zero dims
    "negative-dim initializer": inspect("negative-dim.onnx", ["'W'", "-3"]),
    "negative-dim input": inspect("input-negative-dim.onnx", ["'input'", "-5"]),
    "zero-dim initializer": inspect("zero-dim-initializer.onnx", ["conv_zero_w"]),
    "zero-dim input (forward)": (["forward", bad("input-zero-dim.onnx"), "--input-tensor", x0],
                                 [bad("input-zero-dim.onnx"), "(1, 3, 0, 8)"], {}),
    # a tensor declaring 2^40 elements
    "2^40 initializer": inspect("initializer-2pow40.onnx", ["'W'", "1099511627776"], quick=True),
    "2^40 activation (inspect)": inspect("activation-2pow40.onnx", ["conv_pads_2pow40"], quick=True),
    "2^40 activation (forward)": (["forward", bad("activation-2pow40.onnx"), "--input-tensor", x1],
                                  [bad("activation-2pow40.onnx"), "conv_pads_2pow40"],
                                  {"quick": True}),
    "short-initializer": inspect("short-initializer.onnx", ["'W'", "108"]),
    "wrong-attribute-type": inspect("wrong-attr-type.onnx", ["conv_float_strides", "strides"]),
    "undefined-tensor": inspect("undefined-input.onnx", ["add_undefined", "ghost_tensor"]),
    "undefined-output (forward)": (["forward", bad("output-undefined.onnx"), "--input-tensor", x8],
                                   [bad("output-undefined.onnx")], {}),
    "two-producers": inspect("two-producers.onnx", ["'dup'"]),
    "empty-output-name (valid model)": inspect("empty-output-name.onnx", [], may_work=True),
    "cycle": inspect("cycle.onnx", ["cycle"]),
    "cycle self-loop": inspect("self-loop.onnx", ["cycle"]),
    "kernel-too-large": inspect("kernel-too-large.onnx", ["conv_big_kernel"]),
    "kernel-too-large padded": inspect("kernel-too-large-padded.onnx",
                                       ["conv_big_kernel_padded", "9", "8"]),
    "kernel-too-large pool": inspect("pool-kernel-too-large.onnx", ["maxpool_big_kernel", "11"]),
    "group-not-dividing in": inspect("group-mismatch.onnx", ["conv_group", "group"]),
    "group-not-dividing out": inspect("group-out-mismatch.onnx", ["conv_group_out", "group"]),
    "group-zero": inspect("group-zero.onnx", ["conv_group_zero", "group"]),
    "stride-zero": inspect("stride-zero.onnx", ["conv_stride_zero", "strides"]),
    "gather-out-of-range": inspect("gather-out-of-range.onnx", ["gather_oob", "1000"]),
    # 100,000 nodes: works or is refused cleanly, in a few seconds, without a stack overflow
    "100k-nodes inspect": (["inspect", chain], [chain], {"may_work": True, "budget": CHAIN_SECONDS}),
    "100k-nodes forward": (["forward", chain, "--input-tensor", x2], [chain],
                           {"may_work": True, "budget": CHAIN_SECONDS}),
    "100k-nodes explain": (["explain", chain, "--input-tensor", x2], [chain],
                           {"may_work": True, "budget": CHAIN_SECONDS}),
    "nested-subgraphs (%d deep)" % NEST_DEPTH: (["inspect", nested], [nested], {"quick": True}),
    # the workspace limit, checked before allocating
    "max-memory forward": (["forward", large, "--input-tensor", x256, "--max-memory", "10M"],
                           [large, "limit", "10.0 MiB"], {"quick": True}),
    "max-memory explain": (["explain", large, "--input-tensor", x256, "--max-memory", "10M"],
                           [large, "limit", "10.0 MiB"], {"quick": True}),
}

print("RLIMIT_AS %s" % ("%d MiB" % (MEMORY_LIMIT >> 20) if LIMIT_AS else "off (sanitized build)"))
for label, (argv, frags, opts) in CASES.items():
    missing = [a for a in argv if a.endswith((".onnx", ".npy")) and not os.path.exists(a)]
    if missing:
        report(label, "FAIL (%s missing: run tests/bad_input/gen_bad_models.py)" % missing[0])
        continue
    report(label, verdict(argv, frags, **opts))
finish(passed, failed)
