"""spark-nn's image resize (data-prep's Resample, behind ingest's and ScoreJob's --resize) against
Pillow's Image.resize on photo-like images: the same bytes, to at most 2/255 per value."""

import numpy as np
import pytest
from PIL import Image


def photo_like(h, w, channels, seed):
    """Smooth shading, texture, noise and hard edges: what photos hold, and what aliasing shows on."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    planes = []
    for c in range(channels):
        shade = 120 + 80 * np.sin(x / (7 + 5 * c) + rng.uniform(0, 6)) * np.cos(y / (11 + 3 * c))
        texture = 25 * np.sin((x + 2 * y) * rng.uniform(0.6, 1.4))  # finer than the output grid
        edges = np.where((x // max(1, w // 5) + y // max(1, h // 4)) % 2 == 0, 35.0, -35.0)
        planes.append(shade + texture + edges + rng.normal(0, 12, (h, w)))
    img = np.clip(np.stack(planes, axis=-1), 0, 255).round().astype(np.uint8)
    return img[:, :, 0] if channels == 1 else img


FILTERS = {"lanczos": Image.LANCZOS, "box": Image.BOX}
SIZES = [((256, 256), (64, 64)), ((300, 200), (64, 64)), ((75, 100), (64, 48)), ((30, 40), (64, 64)),
         ((64, 64), (64, 31))]


@pytest.mark.parametrize("name", sorted(FILTERS))
@pytest.mark.parametrize("channels", [1, 3])
def test_resize_gives_pillows_bytes(spark, name, channels):
    resample = spark._jvm.org.sparknn.dataprep.Resample
    java_filter = getattr(spark._jvm.org.sparknn.dataprep, "Resample$Filter").parse(name)
    worst = 0
    for i, ((h, w), (oh, ow)) in enumerate(SIZES):
        img = photo_like(h, w, channels, seed=10 * channels + i)
        expected = np.asarray(Image.fromarray(img).resize((ow, oh), FILTERS[name]))
        got = np.frombuffer(bytes(resample.resize(bytearray(img.tobytes()), h, w, channels, oh, ow, java_filter)),
                            dtype=np.uint8).reshape(expected.shape)
        worst = max(worst, int(np.abs(got.astype(int) - expected.astype(int)).max()))
    print("%s, %d channel(s): largest difference from Pillow %d/255" % (name, channels, worst))
    assert worst <= 2, "largest difference from Pillow: %d/255" % worst
