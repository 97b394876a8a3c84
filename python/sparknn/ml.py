"""PySpark ML wrappers over spark-nn's Java estimator and model.

``NeuralNetClassifier`` and ``NeuralNetClassificationModel`` are thin JavaEstimator/JavaModel
wrappers: fitting, scoring and persistence run in the JVM, so a model saved from Python loads in
Java (and in ScoreJob) and the other way round, also inside a saved ``PipelineModel``.
"""

import sys

from pyspark import keyword_only
from pyspark.ml.classification import (
    _JavaProbabilisticClassificationModel,
    _JavaProbabilisticClassifier,
)
from pyspark.ml.param import Param, Params, TypeConverters
from pyspark.ml.util import JavaMLReadable, JavaMLReader, JavaMLWritable

_JAVA_PACKAGE = "org.sparknn.spark.ml"

# (name, type converter, doc): the params of org.sparknn.spark.ml.NeuralNetClassifier, which
# holds their defaults and checks their values.
_PARAMS = [
    ("model", TypeConverters.toString, "preset (mlp, mlp2, cnn, cnn3) or a network spec as JSON"),
    ("inputShape", TypeConverters.toListInt,
     "[channels, height, width] of the features (default: one channel, square images)"),
    ("epochs", TypeConverters.toInt, "passes over the training data"),
    ("batchSize", TypeConverters.toInt, "global mini-batch size"),
    ("optimizer", TypeConverters.toString, "adam, adamw or sgd"),
    ("learningRate", TypeConverters.toFloat, "learning rate"),
    ("beta1", TypeConverters.toFloat, "Adam's first-moment decay rate"),
    ("beta2", TypeConverters.toFloat, "Adam's second-moment decay rate"),
    ("epsilon", TypeConverters.toFloat, "Adam's denominator term"),
    ("lrStepEpochs", TypeConverters.toInt, "step schedule: epochs between decays"),
    ("lrGamma", TypeConverters.toFloat, "step schedule: decay factor"),
    ("momentum", TypeConverters.toFloat, "SGD momentum"),
    ("nesterov", TypeConverters.toBoolean, "SGD with Nesterov momentum"),
    ("weightDecay", TypeConverters.toFloat, "AdamW weight decay"),
    ("l1", TypeConverters.toFloat, "L1 penalty on weights"),
    ("l2", TypeConverters.toFloat, "L2 penalty on weights"),
    ("loss", TypeConverters.toString, "cross_entropy, mse or hinge"),
    ("lrSchedule", TypeConverters.toString, "constant, step or cosine learning-rate schedule"),
    ("lrMin", TypeConverters.toFloat, "cosine schedule: final learning rate"),
    ("warmupEpochs", TypeConverters.toFloat, "linear learning-rate warm-up in epochs"),
    ("augmentShift", TypeConverters.toInt, "random shifts of up to N pixels"),
    ("augmentRotation", TypeConverters.toFloat, "random rotations of up to D degrees"),
    ("seed", TypeConverters.toInt, "seed of initialization, shuffling and dropout"),
    ("numPartitions", TypeConverters.toInt, "partitions to train on (0: as the input is)"),
    ("aggregationDepth", TypeConverters.toInt, "treeAggregate depth"),
    ("stepMode", TypeConverters.toString,
     "barrier (gang-scheduled steps), job (a Spark job per step) or auto"),
    ("validationIndicatorCol", TypeConverters.toString,
     "boolean column marking validation rows (validated every epoch, not trained on); empty for none"),
    ("earlyStoppingMonitor", TypeConverters.toString,
     "val_loss, val_accuracy or loss (the training loss) to stop early on; empty for no early stopping"),
    ("patience", TypeConverters.toInt, "early stopping: epochs without improvement"),
    ("minDelta", TypeConverters.toFloat, "early stopping: smallest improvement"),
    ("restoreBest", TypeConverters.toBoolean, "early stopping: end with the best epoch's weights"),
    ("maxIter", TypeConverters.toInt, "MLlib's name for epochs"),
    ("stepSize", TypeConverters.toFloat, "MLlib's name for learningRate"),
    ("tol", TypeConverters.toFloat,
     "MLlib's name for minDelta: with it, training stops early when the monitored loss (val_loss with validation"
     " rows, else the training loss) improves by no more than tol for patience epochs"),
    ("initialModel", TypeConverters.toString,
     "model directory (TrainJob's, or a saved model) whose weights training starts from (its network too, unless"
     " model is set); empty for a fresh start"),
    ("freezeLayers", TypeConverters.toInt, "the first N layers with parameters that training leaves as they start"),
    ("weightCol", TypeConverters.toString,
     "column of example weights (numbers >= 0): the loss is the weighted mean, divided by the sum of the weights;"
     " empty for weights of 1"),
]

# MLlib's names and the params they stand for: set either, or both to one value.
_ALIASES = {"maxIter": "epochs", "stepSize": "learningRate", "tol": "minDelta"}

_NAMES = [name for name, _, _ in _PARAMS]


class _NeuralNetParams(Params):
    """The training params, declared here so that PySpark passes them to the JVM."""

    def _aliased(self, alias):
        # the alias's value when it is set, else the param's; the JVM refuses two different values
        param = getattr(self, alias)
        return self.getOrDefault(param) if self.isSet(param) else self.getOrDefault(getattr(self, _ALIASES[alias]))

    def getMaxIter(self):
        """The epochs, by MLlib's name."""
        return self._aliased("maxIter")

    def getStepSize(self):
        """The learning rate, by MLlib's name."""
        return self._aliased("stepSize")

    def getTol(self):
        """Early stopping's minimum improvement, by MLlib's name."""
        return self._aliased("tol")


def _accessors(name):
    cap = name[0].upper() + name[1:]

    def setter(self, value):
        return self._set(**{name: value})

    def getter(self):
        return self.getOrDefault(getattr(self, name))

    setter.__name__ = "set" + cap
    setter.__doc__ = "Sets the value of :py:attr:`%s`." % name
    getter.__name__ = "get" + cap
    getter.__doc__ = "Gets the value of :py:attr:`%s` or its default." % name
    return setter, getter


for _name, _converter, _doc in _PARAMS:
    setattr(_NeuralNetParams, _name, Param(Params._dummy(), _name, _doc, typeConverter=_converter))
    _set, _get = _accessors(_name)
    if not hasattr(_NeuralNetParams, "get" + _name[0].upper() + _name[1:]):
        setattr(_NeuralNetParams, _get.__name__, _get)
    setattr(_NeuralNetParams, "_" + _set.__name__, _set)


class _Reader(JavaMLReader):
    """Loads with the Java class of the same name in spark-nn's package (PySpark assumes its own)."""

    @classmethod
    def _java_loader_class(cls, clazz):
        return _JAVA_PACKAGE + "." + clazz.__name__


class NeuralNetClassifier(_JavaProbabilisticClassifier, _NeuralNetParams, JavaMLWritable, JavaMLReadable):
    """spark-nn's data-parallel neural-network classifier as a Spark ML estimator.

    >>> nnc = NeuralNetClassifier(model="mlp", epochs=5, batchSize=128)  # doctest: +SKIP
    >>> model = nnc.fit(train)  # doctest: +SKIP
    """

    @keyword_only
    def __init__(self, *, featuresCol="features", labelCol="label", predictionCol="prediction",
                 probabilityCol="probability", rawPredictionCol="rawPrediction", thresholds=None, **params):
        super().__init__()
        unknown = sorted(set(params) - set(_NAMES))
        if unknown:
            raise TypeError("unknown NeuralNetClassifier params %s; known: %s" % (unknown, _NAMES))
        self._java_obj = self._new_java_obj(_JAVA_PACKAGE + ".NeuralNetClassifier", self.uid)
        self._transfer_params_from_java()  # the defaults are the Java estimator's
        kwargs = self._input_kwargs
        self._set(**kwargs)

    @keyword_only
    def setParams(self, *, featuresCol="features", labelCol="label", predictionCol="prediction",
                  probabilityCol="probability", rawPredictionCol="rawPrediction", thresholds=None, **params):
        """Sets params by name."""
        return self._set(**self._input_kwargs)

    def _create_model(self, java_model):
        return NeuralNetClassificationModel(java_model)

    @classmethod
    def read(cls):
        return _Reader(cls)


class NeuralNetClassificationModel(_JavaProbabilisticClassificationModel, JavaMLWritable, JavaMLReadable):
    """A fitted spark-nn network. ``transform`` scores in batches, also on streaming DataFrames.

    Its params (the columns, ``thresholds``) come from the Java model.
    """

    @classmethod
    def read(cls):
        return _Reader(cls)

    @classmethod
    def fromModelDirectory(cls, path):
        """A model directory written by TrainJob or ImportJob as a Spark ML model."""
        from pyspark import SparkContext

        jvm = SparkContext._active_spark_context._jvm
        java_model = getattr(jvm, _JAVA_PACKAGE).NeuralNetClassificationModel.fromModelDirectory(path)
        return cls(java_model)


def _add_setters(cls):
    for name in _NAMES:
        setter = getattr(_NeuralNetParams, "_set" + name[0].upper() + name[1:])
        if not hasattr(cls, setter.__name__):
            setattr(cls, setter.__name__, setter)


_add_setters(NeuralNetClassifier)

# PySpark finds the Python class of a Java stage by the stage's Java package (PipelineModel.load,
# CrossValidatorModel): make this module answer for spark-nn's package, and for the package that
# models saved before the Spark layer's packages were split record.
sys.modules.setdefault(_JAVA_PACKAGE, sys.modules[__name__])
sys.modules.setdefault("org.sparknn.spark", sys.modules[__name__])
