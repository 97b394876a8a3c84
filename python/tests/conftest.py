"""One local Spark session with spark-nn's application jar, and the MNIST subset as a dataset.

ci/test installs the package (python/) into .venv and tests that installed copy; without an
installed package, the tests import the source tree and find the checkout's built jar.
"""

import os
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
try:
    import sparknn  # noqa: F401
except ImportError:
    sys.path.insert(0, os.path.join(ROOT, "python"))
MNIST = os.path.join(ROOT, "data-prep", "src", "test", "resources", "mnist-subset")

import sparknn  # noqa: E402
from sparknn import jobs  # noqa: E402


@pytest.fixture(scope="session")
def spark(tmp_path_factory):
    scratch = tmp_path_factory.mktemp("spark")
    s = sparknn.session("local[2]", "spark-nn python tests", {
        "spark.sql.shuffle.partitions": "4",
        "spark.ui.enabled": "false",
        "spark.local.dir": str(scratch),
        "spark.driver.extraJavaOptions": "-Djava.io.tmpdir=%s" % scratch,
    })
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()


@pytest.fixture(scope="session")
def dataset(spark, tmp_path_factory):
    """The MNIST subset (6,000 train, 1,000 test rows) ingested by IngestImagesJob."""
    out = str(tmp_path_factory.mktemp("datasets") / "mnist")
    jobs.ingest(spark=spark, format="idx", name="mnist",
                train=os.path.join(MNIST, "train-images-idx3-ubyte.gz"),
                train_labels=os.path.join(MNIST, "train-labels-idx1-ubyte.gz"),
                test=os.path.join(MNIST, "t10k-images-idx3-ubyte.gz"),
                test_labels=os.path.join(MNIST, "t10k-labels-idx1-ubyte.gz"),
                output=out, validation_fraction=0)
    return out
