package org.sparknn.jobs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.sparknn.dataprep.Ingest;
import org.sparknn.dataprep.IngestOptions;
import org.sparknn.testing.TestData;
import org.sparknn.testing.TestSpark;
import picocli.CommandLine;

/**
 * The ingested real-MNIST subset and a small model trained on it, made once per test JVM and
 * shared by the scoring, evaluation and report tests.
 */
final class JobFixtures {
    private static Path root;
    private static String dataset;
    private static String model;

    private JobFixtures() {
    }

    private static synchronized Path root() throws IOException {
        if (root == null) {
            root = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "job-fixtures");
        }
        return root;
    }

    /** The subset as a spark-nn dataset with train, validation (10%) and test splits. */
    static synchronized String dataset() {
        if (dataset == null) {
            try {
                String d = root().resolve("mnist").toString();
                new Ingest(TestSpark.session(), IngestOptions.idx(TestData.path(TestData.TRAIN_IMAGES),
                    TestData.path(TestData.TRAIN_LABELS)).test(TestData.path(TestData.TEST_IMAGES))
                    .testLabels(TestData.path(TestData.TEST_LABELS)).output(d, false).name("mnist").validation(0.1, 1)
                    .build(), new PrintStream(new ByteArrayOutputStream())).run();
                dataset = d;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dataset;
    }

    /** An mlp2 model trained for 2 epochs on the subset (about 90% test accuracy). */
    static synchronized String model() {
        if (model == null) {
            try {
                String m = root().resolve("model-mlp2").toString();
                TrainJob job = new TrainJob();
                new CommandLine(job).parseArgs("--dataset", dataset(), "--output", m, "--model", "mlp2", "--epochs", "2",
                    "--partitions", "2", "--log-every", "0");
                job.run(TestSpark.session());
                model = m;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return model;
    }

    static Path newDir(String name) throws IOException {
        return Files.createTempDirectory(root(), name);
    }

    static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
