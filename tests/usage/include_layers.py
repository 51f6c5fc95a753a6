#!/usr/bin/env python3
"""The folders of src/ depend on each other one way: builds the folder graph
from the #include "folder/file.h" lines of src/*/*.[ch], prints it, and fails
on a cycle (naming the folders on it and one #include per edge). The public
header (include/) and system headers are not folders of src/.

  include_layers.py --src SRC_DIR
"""
import argparse
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([A-Za-z0-9_]+)/[^"]+"', re.M)


def folder_graph(src):
    """{folder: {folder it includes: 'file: #include line'}}."""
    graph = {}
    for folder in sorted(os.listdir(src)):
        d = os.path.join(src, folder)
        if not os.path.isdir(d):
            continue
        edges = graph.setdefault(folder, {})
        for name in sorted(os.listdir(d)):
            if not name.endswith((".c", ".h")):
                continue
            with open(os.path.join(d, name), encoding="utf-8") as f:
                for m in INCLUDE.finditer(f.read()):
                    to = m.group(1)
                    if to != folder and os.path.isdir(os.path.join(src, to)):
                        edges.setdefault(to, "%s/%s: %s" % (folder, name, m.group(0).strip()))
    return graph


def find_cycle(graph):
    """One cycle as a list of folders (first == last), or None."""
    state, stack = {}, []

    def visit(v):
        state[v] = 1
        stack.append(v)
        for w in sorted(graph.get(v, {})):
            if state.get(w) == 1:
                return stack[stack.index(w):] + [w]
            if w not in state:
                found = visit(w)
                if found:
                    return found
        stack.pop()
        state[v] = 2
        return None

    for v in sorted(graph):
        if v not in state:
            found = visit(v)
            if found:
                return found
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", required=True)
    a = ap.parse_args()
    graph = folder_graph(a.src)
    for v in sorted(graph):
        print("%-9s -> %s" % (v, " ".join(sorted(graph[v])) or "(nothing)"))
    cycle = find_cycle(graph)
    if cycle:
        print("FAIL: folders include each other: %s" % " -> ".join(cycle))
        for v, w in zip(cycle, cycle[1:]):
            print("  " + graph[v][w])
        return 1
    print("ok: no cycle between the %d folders of %s" % (len(graph), a.src))
    return 0


if __name__ == "__main__":
    sys.exit(main())
