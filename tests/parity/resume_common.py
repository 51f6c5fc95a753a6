"""What the resume tests (explain-resume, shard-resume) share: a folder of sample
images with one broken file, running the CLI, the record files' inodes (a record
kept is the same file), and pass/fail bookkeeping."""
import os
import shutil
import subprocess

from parity_common import finish

BROKEN = "00-tshirt-0b.png"  # sorts right after the first sample: fails where it lands


class Resume:
    def __init__(self, cli):
        self.cli, self.passed, self.failed = cli, 0, 0

    def report(self, label, ok, detail=""):
        print("%-72s %s%s" % (label, "PASS" if ok else "FAIL", "" if ok else "  (%s)" % detail))
        self.passed += bool(ok)
        self.failed += not ok

    def run(self, *argv):
        p = subprocess.run([self.cli] + list(argv), capture_output=True, text=True, timeout=600)
        return p.returncode, p.stdout, p.stderr

    def finish(self, extra_failures=0):
        finish(self.passed, self.failed + extra_failures)


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def inodes(out):
    d = os.path.join(out, "records")
    return {n: os.stat(os.path.join(d, n)).st_ino for n in sorted(os.listdir(d))} \
        if os.path.isdir(d) else {}


def sample_images(samples, dest, n):
    """dest/images: the first n sample PNGs and BROKEN; returns (folder, the names copied)."""
    images = os.path.join(dest, "images")
    os.makedirs(images)
    src = os.path.join(samples, "images")
    names = sorted(f for f in os.listdir(src) if f.endswith(".png"))[:n]
    for f in names:
        shutil.copy(os.path.join(src, f), images)
    with open(os.path.join(images, BROKEN), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n not really")
    return images, names
