#!/usr/bin/python3
# An interrupted batch run leaves no half-written output (issue 8): `onnx-lrp explain` on many
# images with -o DIR is sent SIGINT, SIGTERM or SIGKILL once its first outputs exist; then every
# final-named *.png, *.npy and *.json in DIR must be complete (PNG chunks and CRCs, the whole
# zlib stream and its size; .npy header and data size; JSON parses). Temporary files of the
# killed process (*.tmp-*) may remain: they are counted, not failed.
import argparse
import json
import os
import random
import shutil
import signal
import struct
import subprocess
import tempfile
import time
import zlib

from parity_common import finish

N_IMAGES = 400
ROUNDS = 3          # runs per signal, each signalled after a different seeded delay
SEED = 8
FIRST_OUTPUTS = 6   # signal once this many final files exist...
TIMEOUT = 120       # ...or fail if they never appear

ap = argparse.ArgumentParser(description="no partial output file after an interrupted batch")
ap.add_argument("--cli", required=True, help="path to the onnx-lrp executable")
ap.add_argument("--fixtures", required=True, help="tests/fixtures (basic-dynamic.onnx)")
ap.add_argument("--images", required=True, help="tests/images")
args = ap.parse_args()
model = os.path.join(args.fixtures, "basic-dynamic.onnx")


def png_problem(data):
    """None for a complete PNG, else what is wrong."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return "no PNG signature"
    pos, idat, ihdr = 8, b"", None
    while True:
        if pos + 8 > len(data):
            return "ends inside a chunk header at %d" % pos
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        crc = data[pos + 8 + length:pos + 12 + length]
        if len(body) != length or len(crc) != 4:
            return "chunk %r cut short" % kind
        if struct.unpack(">I", crc)[0] != zlib.crc32(kind + body):
            return "chunk %r has a bad CRC" % kind
        pos += 12 + length
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    if pos != len(data):
        return "%d bytes after IEND" % (len(data) - pos)
    if not ihdr:
        return "no IHDR"
    w, h, depth, color = ihdr[:4]
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(color)
    if channels is None:
        return "colour type %d" % color
    try:
        raw = zlib.decompress(idat)
    except zlib.error as e:
        return "IDAT does not inflate: %s" % e
    want = h * (1 + (w * channels * depth + 7) // 8)
    return None if len(raw) == want else "IDAT holds %d bytes, want %d" % (len(raw), want)


def npy_problem(data):
    if data[:6] != b"\x93NUMPY":
        return "no .npy magic"
    major = data[6]
    hsize = 2 if major == 1 else 4
    hlen = int.from_bytes(data[8:8 + hsize], "little")
    header = data[8 + hsize:8 + hsize + hlen].decode("latin1")
    if not header.endswith("\n") or "'shape': (" not in header:
        return "header cut short"
    shape = header.split("'shape': (")[1].split(")")[0]
    count = 1
    for d in shape.replace(" ", "").split(","):
        count *= int(d) if d else 1
    size = 4 if "<f4" in header else 8
    want = 8 + hsize + hlen + count * size
    return None if len(data) == want else "%d bytes, want %d" % (len(data), want)


def json_problem(data):
    try:
        json.loads(data)
    except ValueError as e:
        return "does not parse: %s" % e
    return None


CHECKS = {".png": png_problem, ".npy": npy_problem, ".json": json_problem}


def final_files(out_dir):
    return [n for n in os.listdir(out_dir) if os.path.splitext(n)[1] in CHECKS and ".tmp-" not in n]


def run_interrupted(sig, image_dir, out_dir, rnd):
    """Starts the batch, signals it after its first outputs; (problems, finals, temps, note)."""
    argv = [args.cli, "explain", model, image_dir, "-o", out_dir, "--crop", "96", "--resize", "110",
            "--save-relevance", "--threads", "2"]
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0, note = time.monotonic(), ""
    while p.poll() is None and len(final_files(out_dir)) < FIRST_OUTPUTS:
        if time.monotonic() - t0 > TIMEOUT:
            break
        time.sleep(0.005)
    time.sleep(rnd.uniform(0, 0.2))
    if p.poll() is None:
        p.send_signal(sig)
    else:
        note = "finished (exit %d) before the signal: not a test of interruption" % p.returncode
    p.wait()
    problems = []
    finals = final_files(out_dir)
    for name in finals:
        with open(os.path.join(out_dir, name), "rb") as f:
            why = CHECKS[os.path.splitext(name)[1]](f.read())
        if why:
            problems.append("%s: %s" % (name, why))
    temps = [n for n in os.listdir(out_dir) if ".tmp-" in n]
    return problems, finals, temps, note, p.returncode


def main():
    rnd = random.Random(SEED)
    work = tempfile.mkdtemp(prefix="interrupted-")
    image_dir = os.path.join(work, "images")
    os.makedirs(image_dir)
    sources = [os.path.join(args.images, n) for n in ("rgb.png", "photo.jpg", "gray.png")]
    for i in range(N_IMAGES):
        src = sources[i % len(sources)]
        shutil.copy(src, os.path.join(image_dir, "img%03d%s" % (i, os.path.splitext(src)[1])))
    passed = failed = 0
    checked = None
    for sig in [signal.SIGINT, signal.SIGTERM, signal.SIGKILL] * ROUNDS:
        out_dir = tempfile.mkdtemp(prefix="out-" + sig.name + "-", dir=work)
        problems, finals, temps, note, code = run_interrupted(sig, image_dir, out_dir, rnd)
        checked = checked or next((os.path.join(out_dir, n) for n in finals if n.endswith(".png")),
                                  None)
        head = "%-8s exit %d: %d complete output files of %d, %d temporary left" % (
            sig.name, code, len(finals) - len(problems), 3 * N_IMAGES + 1, len(temps))
        if problems:
            print("%s  FAIL (partial: %s)" % (head, "; ".join(problems[:5])))
            failed += 1
        elif len(finals) < FIRST_OUTPUTS:
            print("%s  FAIL (the run wrote fewer than %d outputs)" % (head, FIRST_OUTPUTS))
            failed += 1
        else:
            print("%s%s  PASS" % (head, "  (" + note + ")" if note else ""))
            passed += 1
    # the checks themselves must see a cut: every proper prefix of a written PNG is refused
    if checked:
        with open(checked, "rb") as f:
            data = f.read()
        cut = [n for n in range(0, len(data), max(1, len(data) // 50)) if not png_problem(data[:n])]
        print("PNG check on prefixes of %s: %s" % (os.path.basename(checked), "FAIL (accepted %s)"
              % cut[:3] if cut else "PASS"))
        passed += not cut
        failed += bool(cut)
    shutil.rmtree(work, ignore_errors=True)
    finish(passed, failed)


main()
