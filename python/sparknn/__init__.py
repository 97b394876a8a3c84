"""spark-nn from Python: the Spark ML estimator and model, the jobs, and a session with the jar.

    from sparknn import session, read_dataset, NeuralNetClassifier, jobs
"""

import os

from sparknn._jar import jar_path
from sparknn.ml import NeuralNetClassificationModel, NeuralNetClassifier

__all__ = ["jar_path", "session", "read_dataset", "NeuralNetClassifier", "NeuralNetClassificationModel", "jobs"]


def session(master=None, app_name="spark-nn", conf=None):
    """A SparkSession with spark-nn's application jar (``spark.jars``).

    ``master`` defaults to spark-submit's or ``local[*]``; ``conf`` adds Spark settings. Each task
    owns a core, so OpenBLAS runs one thread per task (OPENBLAS_NUM_THREADS=1 unless set).
    """
    from pyspark.sql import SparkSession

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    builder = SparkSession.builder.appName(app_name)
    if master:
        builder = builder.master(master)
    settings = dict(conf or {})
    jars = [jar_path()] + [j for j in settings.pop("spark.jars", "").split(",") if j]
    builder = builder.config("spark.jars", ",".join(jars))
    for key, value in settings.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def read_dataset(spark, path, split, vectors=True):
    """A split of a spark-nn dataset as a DataFrame (id, label, features).

    With ``vectors`` the features are normalized Spark ML vectors that keep the dataset's metadata
    (what NeuralNetClassifier fits on); otherwise the split's stored columns.
    """
    from pyspark.sql import DataFrame

    schema = spark._jvm.org.sparknn.dataset.DatasetSchema
    jdf = schema.readSplit(spark._jsparkSession, path, split)
    if vectors:
        jdf = schema.mlFeatures(jdf)
    return DataFrame(jdf, spark)


from sparknn import jobs  # noqa: E402  (after session, which jobs' users call first)
