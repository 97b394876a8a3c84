package org.sparknn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.sparknn.dataprep.IdxArrays;
import org.sparknn.dataset.DatasetSchema;
import org.sparknn.io.HadoopFiles;
import org.sparknn.nn.io.ModelDirectory;
import org.sparknn.nn.layer.Shape;
import org.sparknn.nn.linalg.Blas;
import org.sparknn.nn.model.Network;
import org.sparknn.nn.spec.ModelSpec;
import org.sparknn.nn.spec.NetworkSpec;
import org.sparknn.spark.store.ModelStore;
import org.sparknn.testing.TestData;
import org.sparknn.testing.TestSpark;
import picocli.CommandLine;

/** ScoreJob on the ingested real-MNIST subset with a small trained model. */
class ScoreJobTest {
    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

    static ScoreJob.Summary score(String... args) throws IOException {
        ScoreJob job = new ScoreJob();
        new CommandLine(job).parseArgs(args);
        return job.run(TestSpark.session(), QUIET);
    }

    static SparkSession spark() {
        return TestSpark.session();
    }

    @Test
    void everyRowOnceWithProbabilitiesSummingToOneAndDatesReplaceTheirPartition() throws IOException {
        String table = JobFixtures.newDir("nightly").resolve("scores").toString();
        String[] args = {"--model", JobFixtures.model(), "--input", JobFixtures.dataset(), "--split", "test",
            "--output", table, "--top-k", "3"};
        ScoreJob.Summary first = score(JobFixtures.concat(args, "--run-date", "2026-11-22"));
        assertEquals(TestData.TEST_ROWS, first.rows());
        assertEquals(0, first.rejected());

        Dataset<Row> out = spark().read().parquet(table);
        List<Row> rows = out.collectAsList();
        Set<String> inputIds = spark().read().parquet(JobFixtures.dataset() + "/test").select(DatasetSchema.ID)
            .collectAsList().stream().map(r -> r.getString(0)).collect(Collectors.toSet());
        Set<String> ids = new HashSet<>();
        for (Row r : rows) {
            assertTrue(ids.add(r.getAs("id")), "duplicate id " + r.getAs("id"));
            List<Float> p = r.getList(r.fieldIndex("probability"));
            assertEquals(10, p.size());
            double sum = p.stream().mapToDouble(Float::doubleValue).sum();
            assertEquals(1.0, sum, 1e-5, "probabilities of " + r.getAs("id"));
            int prediction = r.getAs("prediction");
            assertEquals(String.valueOf(prediction), r.getAs("predicted_class"));
            List<Row> top = r.getList(r.fieldIndex("top_k"));
            assertEquals(3, top.size());
            assertEquals(prediction, top.get(0).getInt(0));
            assertTrue(top.get(0).getFloat(2) >= top.get(1).getFloat(2) && top.get(1).getFloat(2) >= top.get(2).getFloat(2));
            assertEquals(first.modelSha256(), r.getAs("model_sha256"));
            assertEquals(java.sql.Date.valueOf("2026-11-22"), r.getAs("run_date"));
        }
        assertEquals(inputIds, ids, "every input row appears exactly once");

        // the same date again replaces its partition; another date adds one
        score(JobFixtures.concat(args, "--run-date", "2026-11-22"));
        score(JobFixtures.concat(args, "--run-date", "2026-11-23"));
        Map<String, Long> perDate = new HashMap<>();
        for (Row r : spark().read().parquet(table).groupBy("run_date").count().collectAsList()) {
            perDate.put(r.get(0).toString(), r.getLong(1));
        }
        assertEquals(Map.of("2026-11-22", 1000L, "2026-11-23", 1000L), perDate);
        String[] visible = new java.io.File(table).list((d, n) -> !n.startsWith("."));
        java.util.Arrays.sort(visible);
        assertEquals(List.of("run_date=2026-11-22", "run_date=2026-11-23"), List.of(visible));
    }

    @Test
    void scoresEqualTheSingleMachineEngineOnRawAndIngestedInput() throws IOException {
        Path dir = JobFixtures.newDir("engine");
        String fromIdx = dir.resolve("idx").toString();
        String fromDataset = dir.resolve("dataset").toString();
        score("--model", JobFixtures.model(), "--format", "idx", "--input", TestData.path(TestData.TEST_IMAGES),
            "--labels", TestData.path(TestData.TEST_LABELS), "--output", fromIdx, "--partitions", "3");
        score("--model", JobFixtures.model(), "--input", JobFixtures.dataset(), "--output", fromDataset, "--output-format",
            "json");

        ModelDirectory model = ModelStore.read(new HadoopFiles(spark().sparkContext().hadoopConfiguration()),
            JobFixtures.model());
        IdxArrays test = IdxArrays.read(Path.of(TestData.path(TestData.TEST_IMAGES)),
            Path.of(TestData.path(TestData.TEST_LABELS)), -1);
        Network net = model.network();
        int n = test.count();
        Network.Workspace ws = net.workspace(n);
        for (int i = 0; i < n * 784; i++) {
            ws.input()[i] = Math.round(test.x()[i] * 255f); // back to raw pixels
        }
        float[] x = java.util.Arrays.copyOf(ws.input(), n * 784);
        model.spec().normalization().applyInPlace(x, 1);
        System.arraycopy(x, 0, ws.input(), 0, x.length);
        float[] expected = net.forward(model.params(), ws, n);

        Map<Integer, Row> byIndex = new HashMap<>();
        for (Row r : spark().read().parquet(fromIdx).collectAsList()) {
            String id = r.getAs("id");
            assertTrue(id.startsWith("t10k-images-idx3-ubyte-"), id);
            byIndex.put(Integer.parseInt(id.substring(id.lastIndexOf('-') + 1)), r);
        }
        assertEquals(n, byIndex.size());
        Map<String, Row> dataset = new HashMap<>();
        for (Row r : spark().read().json(fromDataset).collectAsList()) {
            dataset.put(r.getAs("id"), r);
        }
        for (int i = 0; i < n; i++) {
            Row r = byIndex.get(i);
            assertEquals(test.labels()[i], (int) r.<Integer>getAs("label"));
            List<Float> p = r.getList(r.fieldIndex("probability"));
            List<?> q = dataset.get(String.format("mnist-test-%03d", i)).getList(dataset.get(String.format("mnist-test-%03d",
                i)).fieldIndex("probability"));
            for (int c = 0; c < 10; c++) {
                assertEquals(expected[i * 10 + c], p.get(c), 1e-6, "row " + i + " class " + c);
                assertEquals(expected[i * 10 + c], ((Number) q.get(c)).doubleValue(), 1e-6, "dataset row " + i + " class " + c);
            }
            assertEquals(Network.argMax(expected, i * 10, 10), (int) r.<Integer>getAs("prediction"));
        }
    }

    @Test
    void wrongShapeFailsBeforeWritingAnything() throws IOException {
        Path dir = JobFixtures.newDir("shape");
        String small = dir.resolve("model-14x14").toString();
        Network net = Network.build(NetworkSpec.preset("mlp2", new Shape(1, 14, 14), 10), Blas.get());
        ModelStore.write(new HadoopFiles(spark().sparkContext().hadoopConfiguration()), small, false,
            new ModelDirectory(ModelSpec.of(net.spec(), List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
                org.sparknn.nn.spec.Normalization.scaleOnly(1 / 255.0)), net, net.initialParams(1)),
            Map.of(), List.of(), null);
        String out = dir.resolve("out").toString();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> score("--model", small, "--input", JobFixtures.dataset(), "--output", out));
        assertEquals(JobFixtures.dataset() + " holds 1x28x28 (channels x height x width) images but the model expects"
            + " 1x14x14 (channels x height x width)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> score("--model", small, "--format", "idx", "--input",
            TestData.path(TestData.TEST_IMAGES), "--output", out, "--run-date", "2026-11-23"));
        assertTrue(e.getMessage().endsWith("holds 1x28x28 (channels x height x width) images but the model expects"
            + " 1x14x14 (channels x height x width) (IDX input is not resized)"), e.getMessage());
        assertFalse(Files.exists(Path.of(out)), "nothing written");
        e = assertThrows(IllegalArgumentException.class, () -> score("--model", JobFixtures.model(), "--input",
            JobFixtures.dataset(), "--output", out, "--run-date", "23/11/2026"));
        assertEquals("--run-date must be a date as YYYY-MM-DD, 'today' or 'yesterday', got '23/11/2026'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> score("--model", JobFixtures.model(), "--input",
            JobFixtures.dataset(), "--output", out, "--top-k", "11"));
        assertEquals("--top-k 11 is more than the model's 10 classes", e.getMessage());
        assertFalse(Files.exists(Path.of(out)), "nothing written");
    }

    @Test
    void imageFolderRowsThatCannotBeDecodedGoToRejects() throws IOException {
        Path dir = JobFixtures.newDir("images");
        Path images = Files.createDirectories(dir.resolve("incoming/batch-1"));
        IdxArrays test = IdxArrays.read(Path.of(TestData.path(TestData.TEST_IMAGES)),
            Path.of(TestData.path(TestData.TEST_LABELS)), 4);
        for (int i = 0; i < 4; i++) {
            BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
            for (int p = 0; p < 784; p++) {
                img.getRaster().setSample(p % 28, p / 28, 0, Math.round(test.x()[i * 784 + p] * 255));
            }
            ImageIO.write(img, "png", images.resolve("digit-" + i + ".png").toFile());
        }
        Files.writeString(images.resolve("broken.png"), "not a png");
        ImageIO.write(new BufferedImage(10, 12, BufferedImage.TYPE_BYTE_GRAY), "png", images.resolve("small.png").toFile());
        Files.createFile(images.resolve("empty.png"));
        Files.createDirectories(images.resolve("folder.png"));
        Files.createSymbolicLink(images.resolve("link.png"), images.resolve("gone.png"));
        String out = dir.resolve("out").toString();
        ScoreJob.Summary s = score("--model", JobFixtures.model(), "--format", "images", "--input",
            dir.resolve("incoming").toString(), "--output", out, "--output-format", "csv", "--top-k", "2");
        assertEquals(4, s.rows());
        assertEquals(5, s.rejected());
        Map<String, String> reasons = new HashMap<>();
        for (Row r : spark().read().parquet(out + "/" + ScoreJob.REJECTS).collectAsList()) {
            reasons.put(r.getAs("id"), r.getAs("reason"));
        }
        assertEquals(Set.of("batch-1/broken.png", "batch-1/small.png", "batch-1/empty.png", "batch-1/folder.png",
            "batch-1/link.png"), reasons.keySet());
        assertTrue(reasons.get("batch-1/small.png").contains("12x10"), reasons.toString());
        assertEquals("an empty file (0 bytes), not an image", reasons.get("batch-1/empty.png"));
        assertTrue(reasons.get("batch-1/link.png").startsWith("a broken symbolic link"), reasons.toString());
        assertTrue(Files.readString(Path.of(out, ScoreJob.SUMMARY)).contains("\"read\" : 9"), "9 files read");
        List<Row> csv = spark().read().option("header", true).csv(out).collectAsList();
        assertEquals(4, csv.size());
        Set<String> ids = csv.stream().map(r -> r.<String>getAs("id")).collect(Collectors.toSet());
        assertEquals(Set.of("batch-1/digit-0.png", "batch-1/digit-1.png", "batch-1/digit-2.png", "batch-1/digit-3.png"), ids);
        assertTrue(csv.get(0).<String>getAs("probability").startsWith("["), "arrays are JSON text in CSV");
        assertTrue(Files.exists(Path.of(out, ScoreJob.SUMMARY)));
    }

    /** Writes MNIST test images {@code from .. to} as PNG files into {@code dir}, each written aside and renamed in. */
    private static void pngs(Path dir, int from, int to) throws IOException {
        IdxArrays test = IdxArrays.read(Path.of(TestData.path(TestData.TEST_IMAGES)),
            Path.of(TestData.path(TestData.TEST_LABELS)), to);
        Files.createDirectories(dir);
        for (int i = from; i < to; i++) {
            BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
            for (int p = 0; p < 784; p++) {
                img.getRaster().setSample(p % 28, p / 28, 0, Math.round(test.x()[i * 784 + p] * 255));
            }
            Path hidden = dir.resolve(".digit-" + i + ".png");
            ImageIO.write(img, "png", hidden.toFile());
            Files.move(hidden, dir.resolve(String.format("digit-%03d.png", i)));
        }
    }

    @Test
    void aStreamScoresNewFilesExactlyOnceAcrossRestartsWithTheBatchPredictions() throws IOException {
        Path dir = JobFixtures.newDir("stream");
        Path incoming = dir.resolve("incoming");
        pngs(incoming.resolve("a"), 0, 12);
        Files.writeString(incoming.resolve("a/broken.png"), "not a png");
        Files.createFile(incoming.resolve("a/empty.png"));
        String out = dir.resolve("scores").toString();
        String[] args = {"--model", JobFixtures.model(), "--format", "images", "--input", incoming.toString(), "--output",
            out, "--stream", "--trigger", "available-now", "--max-files-per-trigger", "5"};
        ScoreJob.Summary first = score(args);
        assertEquals(12, first.rows());
        // the empty file is not seen: Spark's file index leaves zero-byte files out (README, "Scoring a stream")
        assertEquals(1, first.rejected());
        // more files arrive; the next run scores only them
        pngs(incoming.resolve("b"), 12, 20);
        ScoreJob.Summary second = score(args);
        assertEquals(8, second.rows());
        assertEquals(0, second.rejected());
        // a run with nothing new writes nothing
        assertEquals(0, score(args).rows());

        List<Row> scored = spark().read().parquet(out).collectAsList();
        assertEquals(20, scored.size());
        Set<String> ids = scored.stream().map(r -> r.<String>getAs("id")).collect(Collectors.toSet());
        assertEquals(20, ids.size(), "every image once");
        String today = java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString();
        assertTrue(scored.stream().allMatch(r -> r.getAs(ScoreJob.PROCESSING_DATE).toString().equals(today)
            || r.getAs(ScoreJob.PROCESSING_DATE).toString().equals(java.time.LocalDate.now().toString())));
        Map<String, String> reasons = new HashMap<>();
        for (Row r : spark().read().parquet(out + "/" + ScoreJob.REJECTS).collectAsList()) {
            reasons.put(r.getAs("id"), r.getAs("reason"));
        }
        assertEquals(Set.of("a/broken.png"), reasons.keySet());
        assertEquals("not a decodable image (PNG or JPEG expected)", reasons.get("a/broken.png"));

        // the batch job on the same folder predicts the same
        String batchOut = dir.resolve("batch").toString();
        score("--model", JobFixtures.model(), "--format", "images", "--input", incoming.toString(), "--output", batchOut);
        Map<String, Integer> batch = new HashMap<>();
        for (Row r : spark().read().parquet(batchOut).collectAsList()) {
            batch.put(r.getAs("id"), r.getAs("prediction"));
        }
        for (Row r : scored) {
            assertEquals(batch.get(r.<String>getAs("id")), r.<Integer>getAs("prediction"), r.<String>getAs("id"));
        }
    }

    @Test
    void aStreamOfParquetFilesScoresAndRejectsRowByRow() throws IOException {
        Path dir = JobFixtures.newDir("parquet-stream");
        IdxArrays test = IdxArrays.read(Path.of(TestData.path(TestData.TEST_IMAGES)),
            Path.of(TestData.path(TestData.TEST_LABELS)), 30);
        List<Row> rows = new java.util.ArrayList<>();
        for (int i = 0; i < 30; i++) {
            double[] pixels = new double[i == 7 ? 10 : 784];
            for (int p = 0; p < pixels.length; p++) {
                pixels[p] = Math.round(test.x()[i * 784 + p] * 255);
            }
            rows.add(org.apache.spark.sql.RowFactory.create("p" + i, test.labels()[i],
                org.apache.spark.ml.linalg.Vectors.dense(pixels)));
        }
        org.apache.spark.sql.types.StructType schema = new org.apache.spark.sql.types.StructType()
            .add("key", "string").add("digit", "int").add("pixels", new org.apache.spark.ml.linalg.VectorUDT());
        Path in = dir.resolve("in");
        spark().createDataFrame(rows, schema).repartition(3).write().parquet(in.toString());
        String out = dir.resolve("scores").toString();
        String[] args = {"--model", JobFixtures.model(), "--format", "parquet", "--input", in.toString(), "--features-col",
            "pixels", "--id-col", "key", "--label-col", "digit", "--output", out, "--stream", "--trigger", "available-now"};
        ScoreJob.Summary s = score(args);
        assertEquals(29, s.rows());
        assertEquals(1, s.rejected());
        Row reject = spark().read().parquet(out + "/" + ScoreJob.REJECTS).first();
        assertEquals("p7", reject.getAs("id"));
        assertEquals("features have 10 values, expected 784", reject.getAs("reason"));
        assertTrue(reject.<String>getAs("source").contains(".parquet#p7"), reject.toString());
        List<Row> scored = spark().read().parquet(out).collectAsList();
        assertEquals(29, scored.size());
        long right = scored.stream().filter(r -> r.<Integer>getAs("label").equals(r.<Integer>getAs("prediction"))).count();
        assertTrue(right >= 20, right + " of 29 right");
        assertThrows(IllegalArgumentException.class, () -> score(java.util.Arrays.stream(args)
            .filter(a -> !a.equals("--id-col") && !a.equals("key")).toArray(String[]::new)));
    }

    @Test
    void streamOptionsAreChecked() {
        String[] base = {"--model", JobFixtures.model(), "--input", "x", "--output", "y", "--stream"};
        assertTrue(assertThrows(IllegalArgumentException.class, () -> score(base)).getMessage()
            .contains("--format images"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> score(JobFixtures.concat(base, "--format", "images",
            "--trigger", "often"))).getMessage().contains("--trigger must be an interval"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> score(JobFixtures.concat(base, "--format", "images",
            "--run-date", "today"))).getMessage().contains("do not apply with --stream"));
    }

    @Test
    void aFailedRunLeavesThePreviousOutputOfItsDateUntouched() throws IOException {
        Path dir = JobFixtures.newDir("failed");
        String table = dir.resolve("scores").toString();
        score("--model", JobFixtures.model(), "--input", JobFixtures.dataset(), "--output", table, "--run-date", "2026-11-23");
        // a dataset whose test split has one row of the wrong length, found only by the task reading it
        String bad = dir.resolve("bad").toString();
        Dataset<Row> test = spark().read().parquet(JobFixtures.dataset() + "/test");
        Row first = test.first();
        Dataset<Row> broken = test.union(spark().createDataFrame(List.of(org.apache.spark.sql.RowFactory.create("short-row",
            first.getInt(1), new byte[10])), test.schema()));
        broken.write().parquet(bad + "/test");
        Files.copy(Path.of(JobFixtures.dataset(), "dataset.json"), Path.of(bad, "dataset.json"));
        Exception e = assertThrows(Exception.class, () -> score("--model", JobFixtures.model(), "--input", bad, "--output",
            table, "--run-date", "2026-11-23"));
        assertTrue(org.sparknn.io.SparkJob.rootCause(e).getMessage()
            .contains("row 'short-row' has 10 feature values but the model expects 784"), e.toString());
        assertEquals(1000, spark().read().parquet(table).count(), "the earlier run's rows, once");
        String[] visible = new java.io.File(table).list((d, n) -> !n.startsWith("."));
        assertEquals(List.of("run_date=2026-11-23"), List.of(visible));
        String[] hidden = new java.io.File(table).list((d, n) -> n.startsWith("."));
        assertEquals(0, hidden.length, "the failed run's staging directory is removed: " + List.of(hidden));
    }
}
