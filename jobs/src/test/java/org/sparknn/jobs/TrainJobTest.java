package org.sparknn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparknn.dataprep.Ingest;
import org.sparknn.dataprep.IngestOptions;
import org.sparknn.io.HadoopFiles;
import org.sparknn.nn.io.ModelDirectory;
import org.sparknn.spark.store.ModelStore;
import org.sparknn.testing.TestData;
import org.sparknn.testing.TestSpark;
import picocli.CommandLine;

/** TrainJob end to end on the ingested real-MNIST subset. */
class TrainJobTest {
    @TempDir
    static Path dir;
    static String dataset;

    @BeforeAll
    static void ingest() throws IOException {
        dataset = dir.resolve("mnist").toString();
        new Ingest(TestSpark.session(), IngestOptions.idx(TestData.path(TestData.TRAIN_IMAGES),
            TestData.path(TestData.TRAIN_LABELS)).test(TestData.path(TestData.TEST_IMAGES))
            .testLabels(TestData.path(TestData.TEST_LABELS)).output(dataset, false).name("mnist").validation(0.1, 1)
            .build(),
            new PrintStream(new ByteArrayOutputStream())).run();
    }

    static TrainJob job(String... args) {
        TrainJob job = new TrainJob();
        new CommandLine(job).parseArgs(args);
        return job;
    }

    @Test
    void trainsEvaluatesAndWritesTheModelDirectory() throws IOException {
        String out = dir.resolve("model").toString();
        double accuracy = job("--dataset", dataset, "--output", out, "--model", "mlp", "--epochs", "3", "--batch-size", "64",
            "--partitions", "2", "--early-stopping-monitor", "val_loss", "--patience", "2", "--log-every", "20").run(TestSpark.session());
        // well below what 3 epochs on this subset reach, so BLAS rounding cannot flake it
        assertTrue(accuracy >= 0.90, "test accuracy " + accuracy);
        ModelDirectory model = ModelStore.read(new HadoopFiles(TestSpark.session().sparkContext().hadoopConfiguration()), out);
        assertEquals(101_770, model.params().length);
        assertEquals(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), model.spec().classNames());
        JsonNode training = new ObjectMapper().readTree(Files.readString(Path.of(out, "training.json")));
        assertEquals(3, training.get("history").size());
        assertEquals(accuracy, training.get("test").get("accuracy").asDouble());
        assertTrue(training.get("history").get(2).has("valAccuracy"));
        assertTrue(training.get("blas").asText().startsWith("JNIBLAS"));
        assertEquals(4, Files.readAllLines(Path.of(out, "metrics.csv")).size(), "header and three epochs");
    }

    @Test
    void sameRunTwiceWritesTheSameWeights() throws IOException {
        // one partition: the Parquet input is used as read, without a shuffle (the other path,
        // hash partitioning by id, runs in trainsEvaluatesAndWritesTheModelDirectory)
        byte[][] weights = new byte[2][];
        for (int run = 0; run < 2; run++) {
            String out = dir.resolve("same-" + run).toString();
            job("--dataset", dataset, "--output", out, "--model", "mlp2", "--epochs", "1", "--partitions", "1",
                "--log-every", "0").run(TestSpark.session());
            weights[run] = Files.readAllBytes(Path.of(out, "weights.bin"));
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(weights[0], weights[1]);
    }

    @Test
    void resumesFromItsCheckpointsAndRefusesToMixRuns() throws IOException {
        String ckpt = dir.resolve("ckpt").toString();
        String first = dir.resolve("ckpt-model-1").toString();
        String[] args = {"--dataset", dataset, "--model", "mlp2", "--epochs", "2", "--partitions", "2",
            "--checkpoint-dir", ckpt, "--checkpoint-every", "30", "--keep-checkpoints", "2", "--log-every", "0"};
        job(concat(args, "--output", first)).run(TestSpark.session());
        String[] kept = new java.io.File(ckpt).list((d, n) -> n.startsWith("checkpoint-"));
        assertEquals(2, kept.length, "the last two checkpoints are kept: " + java.util.Arrays.toString(kept));

        // resuming a finished run loads its last checkpoint and writes the same weights
        String second = dir.resolve("ckpt-model-2").toString();
        job(concat(args, "--output", second, "--resume")).run(TestSpark.session());
        org.junit.jupiter.api.Assertions.assertArrayEquals(Files.readAllBytes(Path.of(first, "weights.bin")),
            Files.readAllBytes(Path.of(second, "weights.bin")));

        IllegalArgumentException fresh = assertThrows(IllegalArgumentException.class,
            () -> job(concat(args, "--output", dir.resolve("ckpt-model-3").toString())).run(TestSpark.session()));
        assertTrue(fresh.getMessage().endsWith("already holds checkpoints; pass --resume to continue that run,"
            + " or use an empty --checkpoint-dir"), fresh.getMessage());
        String[] otherSeed = concat(args, "--output", dir.resolve("ckpt-model-4").toString(), "--resume", "--seed", "7");
        IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
            () -> job(otherSeed).run(TestSpark.session()));
        assertTrue(other.getMessage().contains("belongs to another run"), other.getMessage());
    }

    @Test
    void refusesToResumeOnADatasetIngestedAgainAtTheSamePath() throws IOException {
        String data = dir.resolve("reingested").toString();
        ingest(data, false, false);
        String ckpt = dir.resolve("ckpt-reingested").toString();
        String[] args = {"--dataset", data, "--model", "mlp2", "--epochs", "1", "--partitions", "2",
            "--checkpoint-dir", ckpt, "--log-every", "0"};
        job(concat(args, "--output", dir.resolve("reingested-model-1").toString())).run(TestSpark.session());

        // the same images and row counts, another normalization: the checkpoint no longer fits
        ingest(data, true, true);
        String[] resume = concat(args, "--output", dir.resolve("reingested-model-2").toString(), "--resume");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> job(resume).run(TestSpark.session()));
        assertTrue(e.getMessage().contains("was trained on other data"), e.getMessage());

        // a checkpoint that does not say which data it was trained on is refused too
        Path state;
        try (java.util.stream.Stream<Path> s = Files.list(Path.of(ckpt))) {
            state = s.filter(p -> p.getFileName().toString().startsWith("checkpoint-")).findFirst().orElseThrow()
                .resolve("state.json");
        }
        com.fasterxml.jackson.databind.node.ObjectNode json = (com.fasterxml.jackson.databind.node.ObjectNode)
            new ObjectMapper().readTree(Files.readString(state));
        json.remove("dataset");
        Files.writeString(state, json.toString());
        Files.deleteIfExists(state.resolveSibling(".state.json.crc"));
        e = assertThrows(IllegalArgumentException.class, () -> job(resume).run(TestSpark.session()));
        assertTrue(e.getMessage().contains("does not record which data it was trained on"), e.getMessage());
    }

    @Test
    void fineTunesFromAModelDirectoryWithFrozenLayersAndChecksTheNormalization() throws IOException {
        String base = dir.resolve("tune-base").toString();
        job("--dataset", dataset, "--output", base, "--model", "mlp2", "--epochs", "1", "--partitions", "2",
            "--log-every", "0").run(TestSpark.session());
        String tuned = dir.resolve("tuned").toString();
        // no --model: the initial model's network
        job("--dataset", dataset, "--output", tuned, "--init-model", base, "--freeze-layers", "2", "--epochs", "1",
            "--partitions", "2", "--log-every", "0").run(TestSpark.session());
        HadoopFiles files = new HadoopFiles(TestSpark.session().sparkContext().hadoopConfiguration());
        float[] b = ModelStore.read(files, base).params();
        float[] t = ModelStore.read(files, tuned).params();
        int frozen = 784 * 64 + 64 + 64 * 64 + 64; // mlp2's two hidden dense layers
        org.junit.jupiter.api.Assertions.assertArrayEquals(java.util.Arrays.copyOf(b, frozen), java.util.Arrays.copyOf(t, frozen));
        assertTrue(!java.util.Arrays.equals(java.util.Arrays.copyOfRange(b, frozen, b.length),
            java.util.Arrays.copyOfRange(t, frozen, t.length)), "the output layer trained");
        JsonNode training = new ObjectMapper().readTree(Files.readString(Path.of(tuned, "training.json")));
        assertEquals(base, training.get("initModel").asText());
        assertEquals(2, training.get("config").get("freezeLayers").asInt());

        String standardized = dir.resolve("mnist-standardized-tune").toString();
        ingest(standardized, false, true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> job("--dataset", standardized,
            "--output", dir.resolve("never-tuned").toString(), "--init-model", base).run(TestSpark.session()));
        assertTrue(e.getMessage().startsWith(base + ": the initial model's features were normalized as (scale "), e.getMessage());
        assertTrue(e.getMessage().contains("but this run's are normalized as (scale 0.00392156862745098, mean ["), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> job("--dataset", dataset, "--output",
            dir.resolve("never-tuned").toString(), "--init-model", base, "--model", "mlp").run(TestSpark.session()));
        assertTrue(e.getMessage().startsWith(base + ": layer 1 differs: "), e.getMessage());
        assertTrue(!Files.exists(dir.resolve("never-tuned")));
    }

    private static void ingest(String out, boolean overwrite, boolean standardize) throws IOException {
        new Ingest(TestSpark.session(), IngestOptions.idx(TestData.path(TestData.TRAIN_IMAGES),
            TestData.path(TestData.TRAIN_LABELS)).output(out, overwrite).name("mnist").standardize(standardize)
            .validation(0.1, 1).build(), new PrintStream(new ByteArrayOutputStream())).run();
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void badOptionsAreClearErrors() {
        String out = dir.resolve("never").toString();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> job("--dataset", dataset, "--output", out, "--optimizer", "rmsprop").run(TestSpark.session()));
        assertEquals("optimizer must be adam, adamw or sgd, got 'rmsprop'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
            () -> job("--dataset", dataset, "--output", out, "--model", "resnet").run(TestSpark.session()));
        assertEquals("unknown preset 'resnet', expected one of [mlp, mlp2, cnn, cnn3]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
            () -> job("--dataset", dataset, "--output", out, "--resume").run(TestSpark.session()));
        assertEquals("--resume needs --checkpoint-dir", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
            () -> job("--dataset", dir.resolve("nothing").toString(), "--output", out).run(TestSpark.session()));
        assertTrue(e.getMessage().endsWith("not a spark-nn dataset: dataset.json is missing"), e.getMessage());
        assertEquals(2, org.sparknn.io.SparkJob.execute(new TrainJob(), new String[] {"--epochs", "3"}),
            "a missing required option exits with 2");
        // a bad setting is reported in the command line's words: its flags
        java.io.StringWriter err = new java.io.StringWriter();
        assertEquals(2, org.sparknn.io.SparkJob.execute(new TrainJob(), new String[] {"--dataset", dataset, "--output", out,
            "--epochs", "0"}, new java.io.PrintWriter(err)));
        assertEquals("error: --epochs must be positive, got 0", err.toString().strip());
        assertTrue(!Files.exists(Path.of(out)));
    }
}
