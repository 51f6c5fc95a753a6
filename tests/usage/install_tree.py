#!/usr/bin/env python3
"""From an installed tree: `meson install --destdir`, then examples/explain.c
compiled with nothing but `pkg-config --cflags --libs onnx-lrp` against it,
run against the installed library, and its heatmap byte-identical to the
CLI's; the installed library exports only lrp.h's functions; the man page
and bash completion are installed.

  install_tree.py --cli build/onnx-lrp --build-dir build --source-root .
"""
import argparse
import glob
import os
import shlex
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import abi_symbols  # noqa: E402


def run(cmd, **kw):
    print("$ " + " ".join(shlex.quote(c) for c in cmd))
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--source-root", required=True)
    ap.add_argument("--meson", default="meson")
    ap.add_argument("--cc", default=os.environ.get("CC", "cc"))
    a = ap.parse_args()
    model = os.path.join(a.source_root, "samples", "fashion-resnet-bn.onnx")
    image = os.path.join(a.source_root, "samples", "images", "07-sneaker-0.png")
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        dest = os.path.join(tmp, "x")
        run([a.meson, "install", "-C", a.build_dir, "--destdir", dest, "--no-rebuild",
             "--quiet"])
        pcs = glob.glob(os.path.join(dest, "**", "pkgconfig", "onnx-lrp.pc"), recursive=True)
        if len(pcs) != 1:
            print(f"FAIL: meson install wrote {len(pcs)} onnx-lrp.pc files")
            return 1
        env = dict(os.environ, PKG_CONFIG_PATH=os.path.dirname(pcs[0]),
                   PKG_CONFIG_SYSROOT_DIR=dest)
        flags = run(["pkg-config", "--cflags", "--libs", "onnx-lrp"], env=env).stdout.split()
        print("checking: pkg-config flags point into the installed tree: " + " ".join(flags))
        libdirs = [f[2:] for f in flags if f.startswith("-L")]
        if not any(f.startswith("-I" + dest) for f in flags) or not libdirs or \
                not libdirs[0].startswith(dest):
            failures.append("pkg-config's -I/-L are not the installed tree's")
        exe = os.path.join(tmp, "explain")
        run([a.cc, os.path.join(a.source_root, "examples", "explain.c"), "-o", exe] + flags)
        heat = os.path.join(tmp, "example.png")
        out = run([exe, model, image, heat],
                  env=dict(os.environ, LD_LIBRARY_PATH=libdirs[0])).stdout
        print(out.strip())
        maps = run(["ldd", exe], env=dict(os.environ, LD_LIBRARY_PATH=libdirs[0])).stdout
        print("checking: the example runs on the installed library")
        if os.path.join(libdirs[0], "libonnx-lrp.so.") not in maps:
            failures.append("the example did not load the installed libonnx-lrp:\n" + maps)
        cli_out = os.path.join(tmp, "cli")
        run([a.cli, "explain", model, image, "-o", cli_out])
        print("checking: the example's heatmap is byte-identical to onnx-lrp explain's")
        with open(heat, "rb") as f1, \
                open(os.path.join(cli_out, "07-sneaker-0.heatmap.png"), "rb") as f2:
            if f1.read() != f2.read():
                failures.append("the example's heatmap differs from the CLI's")
        lib = glob.glob(os.path.join(libdirs[0], "libonnx-lrp.so.*.*"))
        header = glob.glob(os.path.join(dest, "**", "include", "lrp.h"), recursive=True)
        print("checking: nm -D of the installed library == the installed lrp.h's functions")
        if not lib or not header:
            failures.append("no installed libonnx-lrp.so.X.Y.Z or lrp.h")
        elif abi_symbols.exported(lib[0]) != abi_symbols.header_functions(header[0])[0]:
            failures.append("the installed library exports other symbols than lrp.h declares")
        for what, pattern in (("man page", "**/man1/onnx-lrp.1"),
                              ("bash completion", "**/bash-completion/completions/onnx-lrp")):
            print(f"checking: the {what} is installed")
            if not glob.glob(os.path.join(dest, pattern), recursive=True):
                failures.append(f"no {what} ({pattern}) in the installed tree")
    for f in failures:
        print("FAIL: " + f)
    if not failures:
        print("ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
