"""Writes the ingest bench's image trees (bench/ingest): the MNIST images from its IDX files as
one 28x28 PNG per image (train/<label>/, test/<label>/), and photo-like 256x256 RGB JPEGs in five
class folders. Trees already complete are left alone.

    ingest_trees.py <mnist-raw dir> <out dir> <jpeg count>
"""

import gzip
import os
import sys

import numpy as np
from PIL import Image


def idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def find(raw, name):
    for candidate in (name, name + ".gz"):
        if os.path.exists(os.path.join(raw, candidate)):
            return os.path.join(raw, candidate)
    raise SystemExit("no %s in %s" % (name, raw))


def png_tree(raw, out):
    done = os.path.join(out, ".complete")
    if os.path.exists(done):
        return
    for split, prefix in (("train", "train"), ("test", "t10k")):
        images = idx(find(raw, prefix + "-images-idx3-ubyte"))
        labels = idx(find(raw, prefix + "-labels-idx1-ubyte"))
        for label in range(10):
            os.makedirs(os.path.join(out, split, str(label)), exist_ok=True)
        for i, (image, label) in enumerate(zip(images, labels)):
            Image.fromarray(image, "L").save(os.path.join(out, split, str(label), "%05d.png" % i))
    open(done, "w").close()


def photo_like(rng, h, w):
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    planes = []
    for c in range(3):
        shade = 120 + 80 * np.sin(x / rng.uniform(6, 30) + rng.uniform(0, 6)) * np.cos(y / rng.uniform(8, 40))
        texture = 20 * np.sin((x * rng.uniform(0.3, 1.5) + y * rng.uniform(0.3, 1.5)))
        edges = np.where((x // rng.integers(20, 90) + y // rng.integers(20, 90)) % 2 == 0, 30.0, -30.0)
        planes.append(shade + texture + edges + rng.normal(0, 8, (h, w)))
    return np.clip(np.stack(planes, axis=-1), 0, 255).astype(np.uint8)


def jpeg_tree(out, count):
    done = os.path.join(out, ".complete-%d" % count)
    if os.path.exists(done):
        return
    rng = np.random.default_rng(7)
    for i in range(count):
        folder = os.path.join(out, "class%d" % (i % 5))
        os.makedirs(folder, exist_ok=True)
        Image.fromarray(photo_like(rng, 256, 256), "RGB").save(os.path.join(folder, "%05d.jpg" % i), quality=90)
    open(done, "w").close()


if __name__ == "__main__":
    raw, out, jpegs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    png_tree(raw, os.path.join(out, "png"))
    jpeg_tree(os.path.join(out, "jpeg"), jpegs)
