#!/usr/bin/env python3
"""The shared library exports exactly the functions lrp.h declares, each marked LRP_API:
no internal lrp_* helper and none of the protobuf-c onnx__* parser, which
would clash with a program carrying its own ONNX code.

  abi_symbols.py --lib build/src/libonnx-lrp.so --header include/lrp.h
"""
import argparse
import re
import subprocess
import sys


def header_functions(path):
    """(every lrp_* function the header declares, those declared without LRP_API)."""
    text = re.sub(r"/\*.*?\*/", " ", open(path, encoding="utf-8").read(), flags=re.S)
    decls = re.findall(r"^([A-Za-z_][\w \t*]*?)\b(lrp_\w+)\s*\([^;{]*\)\s*;", text, re.M)
    names = {name for _, name in decls}
    unmarked = sorted(name for ret, name in decls if not ret.startswith("LRP_API"))
    return names, unmarked


def exported(lib):
    out = subprocess.run(["nm", "-D", "--defined-only", lib], check=True,
                         capture_output=True, text=True).stdout
    return {line.split()[-1] for line in out.splitlines() if line.strip()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", required=True)
    ap.add_argument("--header", required=True)
    a = ap.parse_args()
    (declared, unmarked), found = header_functions(a.header), exported(a.lib)
    print(f"checking: nm -D --defined-only {a.lib} == the {len(declared)} "
          f"functions of {a.header}")
    extra, missing = sorted(found - declared), sorted(declared - found)
    if extra:
        print(f"FAIL: {len(extra)} exported symbols lrp.h does not declare, e.g. "
              + ", ".join(extra[:8]))
    if missing:
        print("FAIL: declared but not exported: " + ", ".join(missing))
    if unmarked:
        print("FAIL: declared without LRP_API (so not exported): " + ", ".join(unmarked))
    if not declared:
        print("FAIL: no LRP_API declaration found in the header")
    ok = not extra and not missing and not unmarked and declared
    if ok:
        print(f"ok: {len(found)} symbols")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
