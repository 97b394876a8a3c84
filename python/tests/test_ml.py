"""The PySpark ML wrappers: fit, transform, persistence across Python and Java, tuning."""

import os

import pytest
from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.evaluation import MulticlassClassificationEvaluator
from pyspark.ml.tuning import CrossValidator, CrossValidatorModel, ParamGridBuilder

from sparknn import NeuralNetClassificationModel, NeuralNetClassifier, read_dataset

def accuracy_of(df):
    return MulticlassClassificationEvaluator(metricName="accuracy").evaluate(df)


@pytest.fixture(scope="module")
def data(spark, dataset):
    train = read_dataset(spark, dataset, "train").cache()
    test = read_dataset(spark, dataset, "test").cache()
    assert (train.count(), test.count()) == (6000, 1000)
    return train, test


def probabilities(df, prob="probability"):
    return {r["id"]: r[prob].toArray().tolist() for r in df.select("id", prob).collect()}


def test_params_reach_the_java_estimator_and_bad_ones_name_themselves(spark):
    nnc = NeuralNetClassifier(model="cnn", epochs=3, batchSize=32, learningRate=0.002, seed=11)
    nnc._transfer_params_to_java()
    java = nnc._java_obj

    def java_value(name):
        return java.getOrDefault(java.getParam(name))

    assert (java_value("model"), java_value("epochs"), java_value("batchSize")) == ("cnn", 3, 32)
    assert abs(java_value("learningRate") - 0.002) < 1e-12
    assert nnc.getEpochs() == 3 and nnc.setEpochs(4).getEpochs() == 4
    assert nnc.getOptimizer() == "adam", "defaults come from the Java estimator"
    with pytest.raises(TypeError, match="unknown NeuralNetClassifier params"):
        NeuralNetClassifier(epoch=3)
    with pytest.raises(Exception, match="epochs"):
        NeuralNetClassifier(epochs=0).fit(spark.range(1))


def test_fit_transform_and_the_same_model_as_the_java_api(spark, data):
    train, test = data
    model = NeuralNetClassifier(model="mlp", epochs=2, batchSize=64, seed=3).fit(train)
    assert isinstance(model, NeuralNetClassificationModel)
    scored = model.transform(test)
    accuracy = accuracy_of(scored)
    # far below what 2 epochs on 6,000 rows reach, so BLAS rounding cannot flake it
    assert accuracy >= 0.80, accuracy
    # the Java API with the same params on the same rows fits the same weights, to the bit
    jvm = spark._jvm
    java_model = jvm.org.sparknn.spark.ml.NeuralNetClassifier().setModel("mlp").setEpochs(2).setBatchSize(64) \
        .setSeed(3).fit(train._jdf)
    assert len(java_model.weights()) == 784 * 128 + 128 + 128 * 10 + 10
    assert jvm.java.util.Arrays.equals(java_model.weights(), model._java_obj.weights())
    assert not jvm.java.util.Arrays.equals(java_model.weights(),
                                           NeuralNetClassifier(model="mlp", epochs=2, batchSize=64, seed=4)
                                           .fit(train)._java_obj.weights()), "another seed, other weights"
    from pyspark.sql import DataFrame
    java_accuracy = accuracy_of(DataFrame(java_model.transform(test._jdf), spark))
    assert java_accuracy == accuracy


def test_a_pipeline_saves_in_python_loads_in_java_and_back(spark, data, tmp_path):
    train, test = data
    pipeline = Pipeline(stages=[NeuralNetClassifier(model="mlp", epochs=1, batchSize=64, seed=5,
                                                    probabilityCol="p", thresholds=[1.0] * 10)])
    fitted = pipeline.fit(train)
    expected = probabilities(fitted.transform(test), "p")
    saved = str(tmp_path / "from-python")
    fitted.write().overwrite().save(saved)

    # Java loads what Python saved, scores the same, and saves it again
    jvm = spark._jvm
    java_pipeline = jvm.org.apache.spark.ml.PipelineModel.load(saved)
    stage = java_pipeline.stages()[0]
    assert stage.getClass().getName() == "org.sparknn.spark.ml.NeuralNetClassificationModel"
    assert stage.getProbabilityCol() == "p"
    from pyspark.sql import DataFrame
    java_scored = DataFrame(java_pipeline.transform(test._jdf), spark)
    assert probabilities(java_scored, "p") == expected
    resaved = str(tmp_path / "from-java")
    java_pipeline.write().overwrite().save(resaved)

    # Python loads what Java saved, as its own classes
    loaded = PipelineModel.load(resaved)
    assert isinstance(loaded.stages[0], NeuralNetClassificationModel)
    assert loaded.stages[0].getProbabilityCol() == "p"
    assert loaded.stages[0].getThresholds() == [1.0] * 10
    assert probabilities(loaded.transform(test), "p") == expected
    # and a model saved on its own
    alone = str(tmp_path / "model")
    fitted.stages[0].save(alone)
    assert probabilities(NeuralNetClassificationModel.load(alone).transform(test), "p") == expected


def test_cross_validator_picks_from_a_param_grid(spark, data):
    train, _ = data
    nnc = NeuralNetClassifier(model="mlp", epochs=1, batchSize=128, seed=7)
    grid = ParamGridBuilder().addGrid(nnc.learningRate, [0.0001, 0.003]).build()
    cv = CrossValidator(estimator=nnc, estimatorParamMaps=grid, evaluator=MulticlassClassificationEvaluator(metricName="accuracy"), numFolds=2, seed=1)
    cv_model = cv.fit(train.limit(1000))
    assert isinstance(cv_model, CrossValidatorModel)
    assert len(cv_model.avgMetrics) == 2
    # one epoch at 1e-4 learns far less than at 3e-3: the grid's second point wins
    assert cv_model.avgMetrics[1] > cv_model.avgMetrics[0], cv_model.avgMetrics
    assert isinstance(cv_model.bestModel, NeuralNetClassificationModel)


def test_a_model_directory_from_train_job_is_a_spark_ml_model(spark, dataset, tmp_path):
    from sparknn import jobs

    out = str(tmp_path / "mlp")
    jobs.train(dataset=dataset, model="mlp", epochs=1, batch_size=128, output=out)
    model = NeuralNetClassificationModel.fromModelDirectory(out)
    test = read_dataset(spark, dataset, "test")
    assert accuracy_of(model.transform(test)) >= 0.80
    assert os.path.exists(os.path.join(out, "spec.json"))


def test_mllib_names_and_fine_tuning_from_a_saved_model(spark, data, tmp_path):
    train, test = data
    nnc = NeuralNetClassifier(model="mlp", maxIter=1, stepSize=0.002, batchSize=128, seed=2)
    assert (nnc.getMaxIter(), nnc.getStepSize(), nnc.getEpochs()) == (1, 0.002, 5)
    base = nnc.fit(train)
    history = base._java_obj.history()
    assert history.size() == 1 and abs(history.get(0).learningRate() - 0.002) < 1e-12
    with pytest.raises(Exception, match=r"maxIter \(1\) and epochs \(2\) are two names of one setting"):
        NeuralNetClassifier(maxIter=1, epochs=2).fit(train)
    saved = str(tmp_path / "base")
    base.write().save(saved)
    # every layer with parameters frozen: the saved model's weights, bit for bit
    tuned = NeuralNetClassifier(initialModel=saved, freezeLayers=2, maxIter=1).fit(train)
    assert spark._jvm.java.util.Arrays.equals(base._java_obj.weights(), tuned._java_obj.weights())
    assert accuracy_of(tuned.transform(test)) == accuracy_of(base.transform(test))


def test_weight_col_weighs_each_row(spark, data):
    from pyspark.sql import functions as F
    train, _ = data
    rows = train.limit(1000).repartition(2).cache()
    fit = dict(model="mlp2", maxIter=1, batchSize=100, seed=6, stepMode="job")
    plain = NeuralNetClassifier(**fit).fit(rows)
    # weights of 2 scale the loss sums and their divisor alike: the unweighted bits
    twos = NeuralNetClassifier(weightCol="w", **fit).fit(rows.withColumn("w", F.lit(2.0)))
    assert spark._jvm.java.util.Arrays.equals(plain._java_obj.weights(), twos._java_obj.weights())
    halved = NeuralNetClassifier(weightCol="w", **fit).fit(
        rows.withColumn("w", F.when(F.col("label") < 5, 0.5).otherwise(1.0)))
    assert not spark._jvm.java.util.Arrays.equals(plain._java_obj.weights(), halved._java_obj.weights())
    with pytest.raises(Exception, match="weight column 'w' is string, expected a number"):
        NeuralNetClassifier(weightCol="w", **fit).fit(rows.withColumn("w", F.lit("heavy")))
