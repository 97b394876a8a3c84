"""The README's PySpark example runs as written, in the tests' session, from the checkout."""

import os
import re
import shutil

from conftest import ROOT

MARKER = "<!-- python-example: python/tests/test_readme.py runs this block -->"


def readme_example():
    with open(os.path.join(ROOT, "README.md")) as f:
        text = f.read()
    assert MARKER in text, "the README lost its marked PySpark example"
    block = re.search(r"```python\n(.*?)```", text[text.index(MARKER):], re.S)
    assert block, "no ```python block after the marker"
    return block.group(1)


def test_the_readme_example_trains_and_saves_a_pipeline(spark, monkeypatch):
    # the example's paths are relative to the checkout, for Python and for the JVM alike
    assert os.path.realpath(spark._jvm.java.lang.System.getProperty("user.dir")) == os.path.realpath(ROOT), \
        "run the Python tests from the checkout's root (as ci/test does)"
    monkeypatch.chdir(ROOT)
    shutil.rmtree(os.path.join(ROOT, "work", "python-example"), ignore_errors=True)
    code = readme_example()
    scope = {}
    exec(compile(code, "README.md (PySpark example)", "exec"), scope)
    assert scope["spark"] is spark, "sparknn.session returned the running session"
    assert scope["accuracy"] >= 0.85, scope["accuracy"]
    from pyspark.ml import PipelineModel
    loaded = spark._jvm.org.apache.spark.ml.PipelineModel.load("work/python-example/pipeline")
    assert loaded.stages()[0].getClass().getName() == "org.sparknn.spark.ml.NeuralNetClassificationModel"
    assert PipelineModel.load("work/python-example/pipeline").stages[0].__class__.__name__ \
        == "NeuralNetClassificationModel"
