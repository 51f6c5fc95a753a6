#!/usr/bin/env python3
"""The Python tests (python/tests) on the installed tree: `meson install
--destdir`, then pytest with the onnx_lrp package and libonnx-lrp from
there, checking that those are the ones imported and loaded.

  python_install_tree.py --cli build/onnx-lrp --build-dir build --source-root .
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--source-root", required=True)
    ap.add_argument("--meson", default="meson")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        dest = os.path.join(tmp, "x")
        subprocess.run([a.meson, "install", "-C", a.build_dir, "--destdir", dest,
                        "--no-rebuild", "--quiet"], check=True)
        packages = glob.glob(os.path.join(dest, "**", "onnx_lrp", "__init__.py"), recursive=True)
        libs = glob.glob(os.path.join(dest, "**", "libonnx-lrp.so.[0-9]*"), recursive=True)
        print(f"checking: meson install put the package ({packages}) and the library")
        if len(packages) != 1 or not libs:
            print("FAIL: no single installed onnx_lrp package, or no library")
            return 1
        site = os.path.dirname(os.path.dirname(packages[0]))
        lib = min(libs, key=len)  # libonnx-lrp.so.N, the soname
        env = dict(os.environ, PYTHONPATH=site, ONNX_LRP_LIBRARY=lib,
                   ONNX_LRP_CLI=os.path.abspath(a.cli),
                   ONNX_LRP_SOURCE=os.path.abspath(a.source_root))
        probe = ("import onnx_lrp, onnx_lrp._lib as l, onnx_lrp._install as i; "
                 "print(onnx_lrp.__file__); print(l.lib._name); print(i.LIBRARY)")
        out = subprocess.run([sys.executable, "-c", probe], env=env, check=True,
                             capture_output=True, text=True, cwd=tmp).stdout.split("\n")
        print("checking: the installed package and library are the ones loaded: " + ", ".join(out))
        if not out[0].startswith(dest) or out[1] != lib or \
                not out[2].endswith(os.path.basename(lib)):
            print("FAIL: not the installed package or library")
            return 1
        tests = os.path.join(os.path.abspath(a.source_root), "python", "tests")
        print("checking: pytest " + tests)
        return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               tests], env=env, cwd=tmp).returncode


if __name__ == "__main__":
    sys.exit(main())
