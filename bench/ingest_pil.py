"""The ingest bench's Pillow baseline: one Python thread opening every JPEG of a tree, converting
it to RGB and resizing it to 64x64 with Pillow's LANCZOS (no draft()), the median of three passes
after a warm-up pass. Prints the images and the seconds of a pass.

    ingest_pil.py <jpeg tree>
"""

import os
import statistics
import sys
import time

from PIL import Image


def files(root):
    out = []
    for folder, _, names in os.walk(root):
        out.extend(os.path.join(folder, n) for n in names if n.endswith(".jpg"))
    return sorted(out)


def one_pass(paths):
    start = time.perf_counter()
    for p in paths:
        Image.open(p).convert("RGB").resize((64, 64), Image.LANCZOS)
    return time.perf_counter() - start


if __name__ == "__main__":
    paths = files(sys.argv[1])
    one_pass(paths)
    seconds = statistics.median(one_pass(paths) for _ in range(3))
    print("%d %.3f" % (len(paths), seconds))
