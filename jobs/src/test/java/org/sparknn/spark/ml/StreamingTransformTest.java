package org.sparknn.spark.ml;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparknn.spark.TrainingFixtures;
import org.sparknn.testing.TestSpark;

/**
 * The Spark ML model scores a streaming DataFrame: a file-source stream of image rows into a
 * Parquet sink with a checkpoint location, stopped mid-way and restarted, gives every row exactly
 * once, with the predictions of the batch transform.
 */
class StreamingTransformTest {
    static final int FILES = 8;
    static final int ROWS_PER_FILE = 60;

    @TempDir
    Path dir;

    @Test
    void aStreamStoppedMidwayAndRestartedScoresEveryRowExactlyOnce() throws Exception {
        SparkSession spark = TestSpark.session();
        Dataset<Row> all = TrainingFixtures.frame(500 + FILES * ROWS_PER_FILE, 2)
            .withColumn("features", org.apache.spark.ml.functions.array_to_vector(col("features")));
        NeuralNetClassificationModel model = new NeuralNetClassifier().setModel("mlp").setEpochs(1).setBatchSize(64)
            .setSeed(5).fit(all.filter("id < 'r00500'"));
        Dataset<Row> incoming = all.filter("id >= 'r00500'").cache();
        Path in = dir.resolve("in");
        // the input arrives as files of rows, each written elsewhere and then moved in whole
        StructType schema = incoming.schema();
        Path staged = dir.resolve("staged");
        incoming.repartitionByRange(FILES, col("id")).write().parquet(staged.toString());
        Files.createDirectories(in);
        try (var parts = Files.list(staged)) {
            List<Path> files = parts.filter(p -> p.getFileName().toString().endsWith(".parquet")).sorted().toList();
            assertEquals(FILES, files.size());
            for (int f = 0; f < FILES; f++) {
                Files.move(files.get(f), in.resolve(String.format("batch-%02d.parquet", f)));
            }
        }
        Path out = dir.resolve("scores");
        Path checkpoint = dir.resolve("checkpoint");

        // first run: one file per micro-batch, stopped once a few batches have committed
        StreamingQuery first = start(spark, model, in, schema, out, checkpoint, Trigger.ProcessingTime(0), 1);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (first.recentProgress().length < 2 && System.nanoTime() < deadline && first.isActive()) {
            Thread.sleep(20);
        }
        first.stop();
        assertTrue(first.exception().isEmpty(), () -> "the first run failed: " + first.exception().get());
        long afterFirst = spark.read().parquet(out.toString()).count();
        assertTrue(afterFirst > 0 && afterFirst < FILES * ROWS_PER_FILE,
            "the first run was to stop mid-way; it had written " + afterFirst + " rows");

        // restart from the checkpoint: it goes on where the first run stopped
        StreamingQuery second = start(spark, model, in, schema, out, checkpoint, Trigger.AvailableNow(), 4);
        assertTrue(second.awaitTermination(120_000), "the restarted stream did not finish");
        assertTrue(second.exception().isEmpty(), () -> "the restart failed: " + second.exception().get());

        // exactly once: every id once, none lost, none doubled (the sink's metadata log says which files count)
        List<Row> streamed = spark.read().parquet(out.toString()).select("id", "prediction", "probability")
            .orderBy("id").collectAsList();
        assertEquals(FILES * ROWS_PER_FILE, streamed.size());
        assertEquals(FILES * ROWS_PER_FILE, spark.read().parquet(out.toString()).select("id").distinct().count());
        // the same predictions and probabilities as the batch transform of the same rows (passes of
        // other sizes may round differently in BLAS)
        Map<String, Row> batch = new HashMap<>();
        for (Row r : model.transform(incoming).select("id", "prediction", "probability").collectAsList()) {
            batch.put(r.getString(0), r);
        }
        for (Row r : streamed) {
            Row b = batch.get(r.getString(0));
            assertEquals(b.getDouble(1), r.getDouble(1), "prediction of " + r.getString(0));
            org.junit.jupiter.api.Assertions.assertArrayEquals(((Vector) b.get(2)).toArray(), ((Vector) r.get(2)).toArray(),
                1e-6, "probability of " + r.getString(0));
        }
    }

    private static StreamingQuery start(SparkSession spark, NeuralNetClassificationModel model, Path in, StructType schema,
                                        Path out, Path checkpoint, Trigger trigger, int filesPerBatch)
        throws Exception {
        Dataset<Row> stream = spark.readStream().schema(schema).option("maxFilesPerTrigger", filesPerBatch)
            .parquet(in.toString());
        assertTrue(stream.isStreaming());
        return model.transform(stream).select("id", "label", "prediction", "probability").writeStream()
            .format("parquet").option("checkpointLocation", checkpoint.toString()).trigger(trigger)
            .start(out.toString());
    }
}
