"""What the cluster tests share: a set of 24 labelled images (the 20 samples and 4
mirrored copies), reading a shard's status file, and pass/fail bookkeeping."""
import os
import shutil
import subprocess
import sys

SKIP = 77


def make_images(samples, dest):
    """dest/images (24 PNGs) and dest/labels.csv; returns (images dir, labels path)."""
    from PIL import Image, ImageOps
    src = os.path.join(samples, "images")
    images = os.path.join(dest, "images")
    os.makedirs(images)
    labels = {}
    with open(os.path.join(src, "labels.csv")) as f:
        for line in f.read().splitlines()[1:]:
            name, label = line.split(",")
            labels[name] = label
    names = sorted(labels)
    for name in names:
        shutil.copy(os.path.join(src, name), images)
    for name in names[:4]:
        mirrored = "mirrored-" + name
        ImageOps.mirror(Image.open(os.path.join(src, name))).save(os.path.join(images, mirrored))
        labels[mirrored] = labels[name]
    csv = os.path.join(dest, "labels.csv")
    with open(csv, "w") as f:
        f.write("file,label\n" + "".join("%s,%s\n" % kv for kv in sorted(labels.items())))
    return images, csv


def read_status(out_dir):
    """OUT/status as a dict of its first value per key, {} when absent."""
    try:
        with open(os.path.join(out_dir, "status")) as f:
            lines = f.read().splitlines()
    except OSError:
        return {}
    st = {}
    for line in lines[1:]:
        key, _, value = line.partition(" ")
        st.setdefault(key, value)
    return st


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    return p.returncode, p.stdout, p.stderr


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, ok, what, detail=""):
        print("%s  %s%s" % ("PASS" if ok else "FAIL", what, "" if ok or not detail
                            else ": " + detail))
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        return ok

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        sys.exit(1 if self.failed else 0)
