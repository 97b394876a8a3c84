package org.sparknn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparknn.dataprep.Ingest;
import org.sparknn.dataprep.IngestOptions;
import org.sparknn.dataset.DatasetSchema;
import org.sparknn.spark.ml.NeuralNetClassificationModel;
import org.sparknn.spark.ml.NeuralNetClassifier;
import org.sparknn.spark.score.Evaluation;
import org.sparknn.testing.TestData;
import org.sparknn.testing.TestSpark;
import picocli.CommandLine;

/**
 * A model fitted and saved through the Spark ML API means the same to every reader: on a
 * standardized dataset, EvaluateJob and ScoreJob give the predictions and log loss of its
 * transform(); a model whose features' normalization is unknown is refused, not guessed at.
 */
class SparkMlModelInJobsTest {
    static Path dir;
    static String dataset;

    @BeforeAll
    static void ingestStandardized() throws IOException {
        dir = JobFixtures.newDir("spark-ml");
        dataset = dir.resolve("mnist-standardized").toString();
        new Ingest(TestSpark.session(), IngestOptions.idx(TestData.path(TestData.TRAIN_IMAGES),
            TestData.path(TestData.TRAIN_LABELS)).test(TestData.path(TestData.TEST_IMAGES))
            .testLabels(TestData.path(TestData.TEST_LABELS)).output(dataset, false).name("mnist").standardize(true)
            .validation(0, 1).build(),
            new PrintStream(new ByteArrayOutputStream())).run();
    }

    private static Dataset<Row> split(String name) {
        return DatasetSchema.readSplit(TestSpark.session(), dataset, name);
    }

    private static <T> T parsed(T job, String... args) {
        new CommandLine(job).parseArgs(args);
        return job;
    }

    @Test
    void evaluateJobAndScoreJobAgreeWithTransform() throws IOException {
        SparkSession spark = TestSpark.session();
        NeuralNetClassificationModel model = new NeuralNetClassifier().setModel("mlp2").setEpochs(1).setBatchSize(64)
            .setSeed(5).fit(DatasetSchema.mlFeatures(split("train")));
        String saved = dir.resolve("ml-model").toString();
        model.write().save(saved);
        assertTrue(Files.readString(Path.of(saved, "spec.json")).contains("\"mean\""),
            "spec.json records the dataset's standardization");

        Map<String, double[]> expected = new HashMap<>();
        Map<String, Integer> labels = new HashMap<>();
        double logLoss = 0;
        List<Row> rows = model.transform(DatasetSchema.mlFeatures(split("test"))).select("id", "label", "probability")
            .collectAsList();
        for (Row r : rows) {
            double[] p = ((Vector) r.get(2)).toArray();
            expected.put(r.getString(0), p);
            labels.put(r.getString(0), r.getInt(1));
            logLoss -= Math.log(Math.max(p[r.getInt(1)], 1e-15));
        }
        logLoss /= rows.size();
        // the split's own features column, in the dataset's encoding rather than vectors, scores the same
        List<Row> direct = model.transform(split("test")).select("id", "probability").collectAsList();
        assertEquals(rows.size(), direct.size());
        for (Row r : direct) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(expected.get(r.getString(0)), ((Vector) r.get(1)).toArray(),
                1e-6, r.getString(0));
        }

        Evaluation e = parsed(new EvaluateJob(), "--model", saved, "--dataset", dataset, "--no-report", "--output",
            dir.resolve("evaluation.json").toString()).run(spark, new PrintStream(new ByteArrayOutputStream()));
        assertEquals(rows.size(), e.rows());
        assertEquals(logLoss, e.loss(), 1e-5);

        String out = dir.resolve("scores").toString();
        parsed(new ScoreJob(), "--model", saved, "--input", dataset, "--output", out)
            .run(spark, new PrintStream(new ByteArrayOutputStream()));
        List<Row> scored = spark.read().parquet(out).select("id", "prediction", "probability").collectAsList();
        assertEquals(rows.size(), scored.size());
        int correct = 0;
        for (Row r : scored) {
            double[] want = expected.get(r.getString(0));
            List<Float> got = r.getList(2);
            int best = 0;
            for (int c = 0; c < want.length; c++) {
                assertEquals(want[c], got.get(c), 1e-5, r.getString(0) + " class " + c);
                best = want[c] > want[best] ? c : best;
            }
            assertEquals(best, r.getInt(1), r.getString(0));
            correct += best == labels.get(r.getString(0)) ? 1 : 0;
        }
        assertEquals((double) correct / rows.size(), e.accuracy(), 1e-12);
    }

    @Test
    void aModelOfFeaturesOfUnknownNormalizationIsRefusedWithHowToFixIt() throws IOException {
        SparkSession spark = TestSpark.session();
        // array_to_vector drops the dataset metadata: the estimator cannot know what the values are
        Dataset<Row> bare = DatasetSchema.normalizedFeatures(split("train")).limit(300)
            .withColumn("features", org.apache.spark.ml.functions.array_to_vector(
                org.apache.spark.sql.functions.col("features")));
        NeuralNetClassificationModel model = new NeuralNetClassifier().setModel("mlp2").setEpochs(1).setSeed(5).fit(bare);
        String saved = dir.resolve("as-given").toString();
        model.write().save(saved);
        assertTrue(Files.readString(Path.of(saved, "spec.json")).contains("\"normalization\" : null"),
            "spec.json records features used as given");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> parsed(new EvaluateJob(), "--model", saved, "--dataset", dataset, "--no-report")
                .run(spark, new PrintStream(new ByteArrayOutputStream())));
        assertTrue(e.getMessage().startsWith(saved + ": the model was fitted through the Spark ML API on features of"
            + " unknown normalization"), e.getMessage());
        assertTrue(e.getMessage().contains("DatasetSchema.mlFeatures(split)"), e.getMessage());
        String out = dir.resolve("never").toString();
        e = assertThrows(IllegalArgumentException.class,
            () -> parsed(new ScoreJob(), "--model", saved, "--input", dataset, "--output", out)
                .run(spark, new PrintStream(new ByteArrayOutputStream())));
        assertTrue(e.getMessage().contains("unknown normalization"), e.getMessage());
        assertTrue(!Files.exists(Path.of(out)));

        // transform on a spark-nn dataset normalized otherwise than the model's features is refused too
        NeuralNetClassificationModel standardized = new NeuralNetClassifier().setModel("mlp2").setEpochs(1).setSeed(5)
            .fit(DatasetSchema.mlFeatures(split("train")).limit(300));
        Dataset<Row> other = DatasetSchema.mlFeatures(DatasetSchema.readSplit(spark, JobFixtures.dataset(), "test"));
        e = assertThrows(IllegalArgumentException.class, () -> standardized.transform(other));
        assertTrue(e.getMessage().contains("but the model was fitted on values normalized with"), e.getMessage());
    }
}
