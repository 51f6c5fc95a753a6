"""Running onnx-lrp from the bench scripts: its --json output and the backends it has."""
import json
import os
import subprocess


def run_json(cmd):
    """The JSON that 'cmd' (an onnx-lrp command with --json) prints; RuntimeError naming the
    command and its stderr when it fails."""
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(cmd), out.stderr.strip()))
    try:
        return json.loads(out.stdout)  # forward: one object
    except ValueError:
        return json.loads(out.stdout.splitlines()[0])  # explain: one line per image


def backends(cli, chosen=None):
    """The --backend values to run: 'chosen' (comma-separated) or all that `cli --version` lists;
    RuntimeError when cli is no executable."""
    if chosen:
        return chosen.split(",")
    if not os.access(cli, os.X_OK):
        raise RuntimeError("%s: no onnx-lrp there (meson compile -C build, or pass --cli)" % cli)
    out = subprocess.run([cli, "--version"], capture_output=True, text=True).stdout
    line = [l for l in out.splitlines() if l.startswith("backends:")]
    return line[0].split(":")[1].split("(")[0].split() if line else ["openblas"]
