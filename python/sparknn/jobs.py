"""spark-nn's jobs (ingest, train, evaluate, score, export, import) run from Python.

Each helper runs the job in the active SparkSession, with the command line spark-submit takes:
keyword arguments become options (``epochs=5`` is ``--epochs 5``, ``overwrite=True`` is
``--overwrite``), positional ones are passed as they are. The session stays open.
"""

from pyspark.sql import SparkSession


class JobError(RuntimeError):
    """A job failed; ``code`` is 2 for bad options or input, 1 for other failures."""

    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


def _command_line(args, options):
    line = [str(a) for a in args]
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            line.append(flag)
        elif isinstance(value, (list, tuple)):
            line += [flag, ",".join(str(v) for v in value)]
        else:
            line += [flag, str(value)]
    return line


def run(job, *args, spark=None, **options):
    """Runs the job named ``job`` in ``spark`` (default: the active session)."""
    from py4j.protocol import Py4JJavaError

    spark = spark or SparkSession.active()
    jvm = spark._jvm
    line = _command_line(args, options)
    array = spark.sparkContext._gateway.new_array(jvm.java.lang.String, len(line))
    for i, a in enumerate(line):
        array[i] = a
    try:
        jvm.org.sparknn.jobs.Jobs.run(spark._jsparkSession, job, array)
    except Py4JJavaError as e:
        cause = e.java_exception
        if cause.getClass().getName() == "org.sparknn.io.SparkJob$JobFailedException":
            raise JobError("%s failed: %s" % (job, cause.getMessage()), cause.code()) from None
        raise


def ingest(*args, spark=None, **options):
    """IngestImagesJob: IDX files, image folders or Parquet into a normalized spark-nn dataset."""
    run("ingest", *args, spark=spark, **options)


def train(*args, spark=None, **options):
    """TrainJob: trains a model directory on a dataset."""
    run("train", *args, spark=spark, **options)


def evaluate(*args, spark=None, **options):
    """EvaluateJob: accuracy, loss and the report of a model on a dataset's test split."""
    run("evaluate", *args, spark=spark, **options)


def score(*args, spark=None, **options):
    """ScoreJob: scores a dataset or raw images in batch, or a directory as a stream (stream=True)."""
    run("score", *args, spark=spark, **options)


def export(*args, spark=None, **options):
    """ExportJob: a model directory to ONNX."""
    run("export", *args, spark=spark, **options)


def import_model(*args, spark=None, **options):
    """ImportJob: an ONNX or Keras file to a model directory (``import`` is a Python keyword)."""
    run("import", *args, spark=spark, **options)
