package org.sparknn.spark.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparknn.spark.TrainingFixtures;

/** The estimator's fine-tuning (initialModel, freezeLayers) and MLlib's names for its params (weightCol too). */
class FineTuningAndMllibNamesTest {
    @TempDir
    static Path dir;
    static Dataset<Row> train;
    static Dataset<Row> test;
    static NeuralNetClassificationModel base;
    static String basePath;
    /** The mlp's first dense layer: 784 x 128 weights and 128 biases, first in the parameters. */
    static final int FIRST_LAYER = 784 * 128 + 128;

    @BeforeAll
    static void baseModel() throws IOException {
        Dataset<Row> all = TrainingFixtures.frame(2400, 2)
            .withColumn("features", org.apache.spark.ml.functions.array_to_vector(col("features")));
        train = all.filter("id < 'r02000'").cache();
        test = all.filter("id >= 'r02000'").cache();
        base = new NeuralNetClassifier().setModel("mlp").setEpochs(2).setBatchSize(64).setSeed(3).fit(train);
        basePath = dir.resolve("base").toString();
        base.write().overwrite().save(basePath);
    }

    private static double accuracy(NeuralNetClassificationModel m, Dataset<Row> rows) {
        return new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(m.transform(rows));
    }

    @Test
    void startsFromASavedModelsWeightsAndLeavesFrozenLayersAsTheyWere() {
        NeuralNetClassificationModel tuned = new NeuralNetClassifier().setInitialModel(basePath).setFreezeLayers(1)
            .setMaxIter(1).setBatchSize(64).setSeed(9).fit(train);
        assertEquals(base.spec().network(), tuned.spec().network(), "without model, the initial model's network");
        float[] b = base.weights();
        float[] t = tuned.weights();
        assertArrayEquals(Arrays.copyOf(b, FIRST_LAYER), Arrays.copyOf(t, FIRST_LAYER), "the frozen first layer");
        assertFalse(Arrays.equals(Arrays.copyOfRange(b, FIRST_LAYER, b.length),
            Arrays.copyOfRange(t, FIRST_LAYER, t.length)), "the final layer trained");
        // an epoch more on top of the base's two: not worse than it by more than noise
        assertTrue(accuracy(tuned, test) >= accuracy(base, test) - 0.02, accuracy(tuned, test) + " vs " + accuracy(base, test));

        NeuralNetClassificationModel allFrozen = new NeuralNetClassifier().setInitialModel(basePath).setFreezeLayers(2)
            .setMaxIter(1).fit(train);
        assertArrayEquals(b, allFrozen.weights(), "every layer frozen: the initial model's weights, bit for bit");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new NeuralNetClassifier().setInitialModel(basePath).setFreezeLayers(3).setMaxIter(1).fit(train));
        assertEquals("freezeLayers is 3 but the network has 2 layers with parameters", e.getMessage());
    }

    @Test
    void aFinalLayerOfAnotherClassCountStartsFreshAndOtherDifferencesAreNamed() {
        Dataset<Row> five = train.filter("label < 5");
        NeuralNetClassificationModel tuned = new NeuralNetClassifier().setInitialModel(basePath).setFreezeLayers(1)
            .setMaxIter(2).setBatchSize(32).fit(five);
        assertEquals(5, tuned.numClasses());
        assertEquals(FIRST_LAYER + 128 * 5 + 5, tuned.weights().length);
        assertArrayEquals(Arrays.copyOf(base.weights(), FIRST_LAYER), Arrays.copyOf(tuned.weights(), FIRST_LAYER));
        double accuracy = accuracy(tuned, test.filter("label < 5"));
        // the base's features with a fresh 5-class layer: far above chance (0.2) after 2 epochs
        assertTrue(accuracy >= 0.8, "accuracy " + accuracy);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new NeuralNetClassifier().setInitialModel(basePath).setModel("mlp2").setMaxIter(1).fit(train));
        assertTrue(e.getMessage().startsWith("initialModel " + basePath + ": layer 1 differs: {\"type\":\"dense\",\"units\":128,"
            + "\"activation\":\"relu\"} in the initial model, {\"type\":\"dense\",\"units\":64,"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new NeuralNetClassifier()
            .setInitialModel(dir.resolve("missing").toString()).setMaxIter(1).fit(train));
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void mllibsNamesAreAliasesAndTwoDifferentValuesAreAnError() {
        Dataset<Row> small = train.limit(300);
        NeuralNetClassifier nnc = new NeuralNetClassifier().setModel("mlp2").setMaxIter(2).setStepSize(0.004)
            .setBatchSize(100);
        assertEquals(2, nnc.getMaxIter());
        assertEquals(0.004, nnc.getStepSize());
        NeuralNetClassificationModel m = nnc.fit(small);
        assertEquals(2, m.history().size(), "maxIter is the epochs");
        assertEquals(0.004, m.history().get(0).learningRate(), 1e-12, "stepSize is the learning rate");
        assertEquals(2, nnc.copy(new org.apache.spark.ml.param.ParamMap()).setEpochs(2).fit(small).history().size(),
            "both names with one value");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> nnc.copy(new org.apache.spark.ml.param.ParamMap()).setEpochs(3).fit(small));
        assertEquals("maxIter (2) and epochs (3) are two names of one setting; set one of them, or both to the same"
            + " value", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
            () -> new NeuralNetClassifier().setStepSize(0.01).setLearningRate(0.02).fit(small));
        assertEquals("stepSize (0.01) and learningRate (0.02) are two names of one setting; set one of them, or both"
            + " to the same value", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
            () -> new NeuralNetClassifier().setTol(0.1).setMinDelta(0.2).fit(small));
        assertTrue(e.getMessage().startsWith("tol (0.1) and minDelta (0.2)"), e.getMessage());
    }

    @Test
    void tolStopsOnTheTrainingLossWithoutValidationRows() {
        Dataset<Row> small = train.limit(300);
        // no epoch improves the training loss by more than 10: the run stops after patience (1) epoch
        NeuralNetClassificationModel stopped = new NeuralNetClassifier().setModel("mlp2").setMaxIter(5).setTol(10)
            .setPatience(1).setBatchSize(100).fit(small);
        assertEquals(2, stopped.history().size());
        // a tolerance of 0 keeps going while the loss falls
        NeuralNetClassificationModel going = new NeuralNetClassifier().setModel("mlp2").setMaxIter(3).setTol(0)
            .setPatience(1).setBatchSize(100).fit(small);
        assertEquals(3, going.history().size());
    }

    /** mlp2 on the rows' partitions, validated on the rows from r01000, with example weights from the column w. */
    private static NeuralNetClassificationModel weighted(Dataset<Row> rows, String stepMode) {
        return new NeuralNetClassifier().setModel("mlp2").setMaxIter(2).setBatchSize(100).setSeed(4).setStepMode(stepMode).setValidationIndicatorCol("isVal").setWeightCol("w")
            .fit(rows.withColumn("isVal", col("id").geq("r01000")));
    }

    @Test
    void weightCol() {
        // 2 partitions, made once: numPartitions would sort the rows by their bytes, labels included
        Dataset<Row> small = train.limit(1200).repartition(2).cache();
        // weights of 2 scale every loss and gradient sum by 2 and their divisor too: the unweighted bits
        NeuralNetClassificationModel plain = new NeuralNetClassifier().setModel("mlp2").setMaxIter(2).setBatchSize(100)
            .setSeed(4).setStepMode("job").setValidationIndicatorCol("isVal")
            .fit(small.withColumn("isVal", col("id").geq("r01000")));
        NeuralNetClassificationModel twos = weighted(small.withColumn("w", lit(2.0)), "job");
        assertArrayEquals(plain.weights(), twos.weights(), "weights of 2");
        assertEquals(plain.history().get(1).loss(), twos.history().get(1).loss(), 0.0, "the weighted mean loss");
        assertEquals(plain.history().get(1).valLoss(), twos.history().get(1).valLoss(), 0.0, "the weighted validation loss");

        // rows of weight 0 count for nothing: whatever their labels, the same bits
        Dataset<Row> some = small.withColumn("w", when(col("id").lt("r00600"), 0.0).otherwise(col("label").plus(1).divide(4)));
        Dataset<Row> relabeled = some.withColumn("label", when(col("id").lt("r00600"), lit(9).minus(col("label")))
            .otherwise(col("label")));
        NeuralNetClassificationModel a = weighted(some, "job");
        assertArrayEquals(a.weights(), weighted(relabeled, "job").weights(), "rows of weight 0 have no say");
        assertFalse(Arrays.equals(a.weights(), plain.weights()), "weights other than 1 change the training");
        assertArrayEquals(a.weights(), weighted(some, "barrier").weights(), "the step modes give the same bits");

        // a bad row fails its task: the error names the row (by position: the estimator has no id column)
        Exception bad = assertThrows(org.apache.spark.SparkException.class,
            () -> weighted(small.withColumn("w", when(col("label").equalTo(3), -1.0).otherwise(1.0)), "job"));
        assertTrue(bad.getMessage().matches("(?s).*IllegalArgumentException: row \\d+ of partition \\d: weight -1.0 is not a"
            + " finite number >= 0.*"), bad.getMessage());
        bad = assertThrows(org.apache.spark.SparkException.class,
            () -> weighted(small.withColumn("w", when(col("label").equalTo(3), lit(null)).otherwise(1.0)), "job"));
        assertTrue(bad.getMessage().matches("(?s).*IllegalArgumentException: row \\d+ of partition \\d: weight is null.*"),
            bad.getMessage());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> weighted(small.withColumn("w", lit("heavy")), "job"));
        assertEquals("weight column 'w' is string, expected a number", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> weighted(small, "job"));
        assertTrue(e.getMessage().startsWith("no weight column 'w' in the input"), e.getMessage());
    }
}
