package org.sparknn.spark.ml;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparknn.spark.TrainingFixtures;
import org.sparknn.testing.TestSpark;

/** The Spark ML API: fit, batched transform, persistence, Pipeline and CrossValidator. */
class NeuralNetClassifierTest {
    @TempDir
    static Path dir;
    static Dataset<Row> train;
    static Dataset<Row> test;

    @BeforeAll
    static void data() throws IOException {
        Dataset<Row> all = TrainingFixtures.frame(2400, 2)
            .withColumn("features", org.apache.spark.ml.functions.array_to_vector(col("features")));
        train = all.filter("id < 'r02000'").cache();
        test = all.filter("id >= 'r02000'").cache();
    }

    @Test
    void fitsScoresInBatchesAndRoundTrips() {
        NeuralNetClassifier nnc = new NeuralNetClassifier().setModel("mlp").setEpochs(3).setBatchSize(64).setSeed(3);
        NeuralNetClassificationModel model = nnc.fit(train);
        assertEquals(10, model.numClasses());
        assertEquals(784, model.numFeatures());
        assertEquals(3, model.history().size());
        Dataset<Row> scored = model.transform(test);
        double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(scored);
        // well below what 3 epochs on 2,000 rows reach, so BLAS rounding cannot flake it
        assertTrue(accuracy >= 0.80, "accuracy " + accuracy);
        List<Row> rows = scored.select("id", "rawPrediction", "probability", "prediction").orderBy("id").collectAsList();
        assertEquals(400, rows.size());
        for (Row r : rows.subList(0, 20)) {
            double[] p = ((Vector) r.get(2)).toArray();
            double sum = 0;
            int best = 0;
            for (int i = 0; i < p.length; i++) {
                sum += p[i];
                best = p[i] > p[best] ? i : best;
            }
            assertEquals(1.0, sum, 1e-5);
            assertEquals(best, r.getDouble(3));
        }
        // the batched transform agrees with Spark ML's row-at-a-time path
        Vector f = (Vector) test.orderBy("id").first().get(2);
        Vector raw = model.predictRaw(f);
        // a pass of one row and one of 256 may round differently in BLAS
        assertArrayEquals(((Vector) rows.get(0).get(1)).toArray(), raw.toArray(), 1e-5);
        assertArrayEquals(((Vector) rows.get(0).get(2)).toArray(),
            model.raw2probabilityInPlace(((Vector) rows.get(0).get(1)).copy()).toArray(), 0.0,
            "one softmax: Spark ML's row path turns the raw output into the transform's probabilities, to the bit");
        // sparse vectors score as their dense values
        Row first = test.orderBy("id").limit(1).select("id", "features").collectAsList().get(0);
        Dataset<Row> oneSparse = TestSpark.session().createDataFrame(List.of(RowFactory.create(first.getString(0),
            ((Vector) first.get(1)).toSparse())), first.schema());
        assertArrayEquals(((Vector) rows.get(0).get(2)).toArray(),
            ((Vector) model.transform(oneSparse).select("probability").first().get(0)).toArray(), 1e-6);

        // thresholds decide the prediction as in Spark ML: the largest probability / threshold
        double[] t = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
        t[3] = 1e-3; // class 3 wins wherever its probability is above 1/1000 of the best one
        List<Row> thresholded = model.copy(new org.apache.spark.ml.param.ParamMap()).setThresholds(t).transform(test)
            .select("id", "probability", "prediction").orderBy("id").collectAsList();
        int changed = 0;
        for (Row r : thresholded) {
            double[] p = ((Vector) r.get(1)).toArray();
            int best = 0;
            for (int i = 0; i < p.length; i++) {
                best = p[i] / t[i] > p[best] / t[best] ? i : best;
            }
            assertEquals(best, r.getDouble(2), "row " + r.getString(0));
            changed += best == 3 ? 1 : 0;
        }
        long threesBefore = rows.stream().filter(r -> r.getDouble(3) == 3).count();
        assertTrue(changed > threesBefore, "the threshold moved predictions to class 3: " + changed + " vs " + threesBefore);
        assertThrows(IllegalArgumentException.class, () -> model.copy(new org.apache.spark.ml.param.ParamMap())
            .setThresholds(new double[] {1, 1}).transform(test));

        String path = dir.resolve("nnc-model").toString();
        try {
            model.write().overwrite().save(path);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        NeuralNetClassificationModel loaded = NeuralNetClassificationModel.load(path);
        assertEquals(model.uid(), loaded.uid());
        assertArrayEquals(model.weights(), loaded.weights());
        assertEquals(0, loaded.transform(test).select("id", "prediction").except(scored.select("id", "prediction")).count());
    }

    @Test
    void aBadSettingIsReportedByItsParamName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new NeuralNetClassifier().setModel("mlp").setEpochs(1).setEarlyStoppingMonitor("val_acc").fit(train));
        assertEquals("earlyStoppingMonitor must be val_loss, val_accuracy or loss, got 'val_acc'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
            () -> new NeuralNetClassifier().setModel("mlp").setEpochs(1).setLearningRate(0.001).setLrSchedule("cosine")
                .setLrMin(0.01).fit(train));
        assertEquals("lrMin must be in [0, learningRate] = [0, 0.001], got 0.01", e.getMessage());
    }

    @Test
    void takesTrainJobsSettings() {
        Dataset<Row> small = train.limit(400).cache();
        NeuralNetClassifier base = new NeuralNetClassifier().setModel("mlp2").setEpochs(2).setBatchSize(100).setSeed(5);
        NeuralNetClassificationModel stepped = base.copy(new ParamMap()).setLrSchedule("step").setLrStepEpochs(1)
            .setLrGamma(0.25).fit(small);
        assertEquals(0.001, stepped.history().get(0).learningRate(), 1e-12);
        assertEquals(0.00025, stepped.history().get(1).learningRate(), 1e-12, "the step schedule decays each epoch");
        float[] defaults = base.fit(small).weights();
        float[] otherBetas = base.copy(new ParamMap()).setBeta1(0.5).setBeta2(0.9).setEpsilon(1e-3).fit(small).weights();
        assertTrue(!java.util.Arrays.equals(defaults, otherBetas), "Adam's betas and epsilon are the estimator's to set");
        assertArrayEquals(defaults, base.copy(new ParamMap()).setBeta1(0.9).setBeta2(0.999).setEpsilon(1e-7).fit(small)
            .weights(), "the defaults are TrainJob's");
        assertArrayEquals(base.copy(new ParamMap()).setStepMode("job").setNumPartitions(2).fit(small).weights(),
            base.copy(new ParamMap()).setStepMode("barrier").setNumPartitions(2).fit(small).weights(),
            "the step modes give the same bits");
    }

    @Test
    void validatesEveryEpochAndStopsEarly() {
        Dataset<Row> marked = train.withColumn("isVal", col("id").geq("r01800"));
        NeuralNetClassificationModel model = new NeuralNetClassifier().setModel("mlp2").setEpochs(4).setBatchSize(100)
            .setLearningRate(0.003).setValidationIndicatorCol("isVal").setEarlyStoppingMonitor("val_accuracy")
            .setPatience(1).setMinDelta(0.5).setAugmentShift(1).fit(marked);
        // a min delta of 0.5 accuracy cannot be met: the run stops after the first epoch without improvement
        assertEquals(2, model.history().size());
        assertTrue(model.history().get(0).valAccuracy() > 0.5, "validated on the marked rows");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
            () -> new NeuralNetClassifier().setEarlyStoppingMonitor("val_loss").fit(train));
        assertEquals("earlyStoppingMonitor val_loss needs validation rows: set validationIndicatorCol", e.getMessage());
    }

    @Test
    void worksInsideAPipelineThatIsSavedAndLoaded() throws IOException {
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
            new NeuralNetClassifier().setModel("mlp2").setEpochs(1).setBatchSize(100).setProbabilityCol("p")});
        PipelineModel fitted = pipeline.fit(train);
        String path = dir.resolve("pipeline").toString();
        fitted.write().overwrite().save(path);
        PipelineModel loaded = PipelineModel.load(path);
        Dataset<Row> a = fitted.transform(test).select("id", "prediction", "p");
        Dataset<Row> b = loaded.transform(test).select("id", "prediction", "p");
        assertEquals(400, b.count());
        assertEquals(0, a.except(b).count());
        pipeline.write().overwrite().save(dir.resolve("unfitted").toString());
        assertEquals(1, Pipeline.load(dir.resolve("unfitted").toString()).getStages().length);
    }

    @Test
    void crossValidatesOverAParamGrid() {
        NeuralNetClassifier nnc = new NeuralNetClassifier().setModel("mlp2").setEpochs(1).setBatchSize(100).setSeed(1);
        ParamMap[] grid = new ParamGridBuilder().addGrid(nnc.learningRate(), new double[] {0.0001, 0.003}).build();
        CrossValidator cv = new CrossValidator().setEstimator(nnc).setEstimatorParamMaps(grid).setNumFolds(2).setSeed(5)
            .setEvaluator(new MulticlassClassificationEvaluator().setMetricName("accuracy"));
        CrossValidatorModel cvModel = cv.fit(train);
        double[] metrics = cvModel.avgMetrics();
        assertEquals(2, metrics.length);
        assertTrue(metrics[1] > metrics[0], "one epoch at 0.003 beats one at 0.0001: " + java.util.Arrays.toString(metrics));
        NeuralNetClassificationModel best = (NeuralNetClassificationModel) cvModel.bestModel();
        assertEquals(0.003, best.parent().extractParamMap().apply(nnc.learningRate()));
    }
}
