package org.sparknn.yarn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.yarn.api.records.ApplicationId;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.sparknn.jobs.TrainJob;
import org.sparknn.testing.TestData;
import org.sparknn.testing.TestSpark;
import picocli.CommandLine;

/**
 * spark-nn jobs submitted with ops/submit yarn to a real MiniYARNCluster, in cluster deploy mode:
 * ingest and training in one attempt each, a bad input failing in both attempts, and a training
 * and a scoring run whose drivers are killed mid-run and whose second attempts continue the work.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class YarnIT {
    static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    static final Path WORK = ROOT.resolve("jobs/target/yarn-it");
    static final Path SPARK_HOME = ROOT.resolve("jobs/target/spark-home");
    static final String DATASET = WORK.resolve("mnist").toString();
    static final String MODEL = WORK.resolve("model").toString();
    static MiniYARNCluster yarn;
    static YarnClient client;
    static Path confDir;

    @BeforeAll
    static void startYarn() throws Exception {
        Files.createDirectories(WORK);
        YarnConfiguration conf = new YarnConfiguration();
        conf.set(YarnConfiguration.RM_SCHEDULER, "org.apache.hadoop.yarn.server.resourcemanager.scheduler.fifo.FifoScheduler");
        conf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 128);
        conf.setInt(YarnConfiguration.NM_PMEM_MB, 6144);
        conf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
        conf.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, false);
        conf.set("yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage", "99.0");
        yarn = new MiniYARNCluster("spark-nn", 1, 1, 1);
        yarn.init(conf);
        yarn.start();
        confDir = Files.createDirectories(WORK.resolve("hadoop-conf"));
        Configuration written = new Configuration(yarn.getConfig());
        try (OutputStream out = Files.newOutputStream(confDir.resolve("yarn-site.xml"))) {
            written.writeXml(out);
        }
        Files.writeString(confDir.resolve("core-site.xml"), "<configuration/>");
        client = YarnClient.createYarnClient();
        client.init(yarn.getConfig());
        client.start();
    }

    @AfterAll
    static void stopYarn() throws IOException {
        if (client != null) {
            client.close();
        }
        if (yarn != null) {
            yarn.stop();
        }
    }

    /** Starts {@code ops/submit yarn ARGS} with its output in NAME.log. */
    static Process start(String name, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("ops/submit").toString(), "yarn"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
            .redirectOutput(WORK.resolve(name + ".log").toFile());
        pb.environment().put("HADOOP_CONF_DIR", confDir.toString());
        pb.environment().remove("SPARK_HOME");
        pb.environment().put("SPARK_NN_SPARK_HOME", SPARK_HOME.toString());
        // the containers run on this machine: they take Spark's jars where they are (local:) instead
        // of an upload per submission, as spark.yarn.archive does on a real cluster
        pb.environment().put("SPARK_NN_SUBMIT_ARGS", "--conf spark.yarn.jars=local:" + SPARK_HOME.resolve("jars") + "/*"
            + " --conf spark.executor.instances=1 --conf spark.executor.cores=1"
            + " --conf spark.executor.memory=768m --conf spark.executor.memoryOverhead=384m --conf spark.driver.memory=768m"
            + " --conf spark.driver.memoryOverhead=384m --conf spark.yarn.am.memory=512m");
        return pb.start();
    }

    /** Waits for a submission to end and returns its exit code. */
    static int finish(String name, Process p) throws Exception {
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError(name + " did not finish: " + log(name));
        }
        return p.exitValue();
    }

    static int submit(String name, String... args) throws Exception {
        return finish(name, start(name, args));
    }

    /** The applications YARN has seen. */
    static Set<ApplicationId> applications() throws Exception {
        Set<ApplicationId> ids = new HashSet<>();
        for (ApplicationReport r : client.getApplications()) {
            ids.add(r.getApplicationId());
        }
        return ids;
    }

    /** The one application submitted since {@code before}; waits for it while {@code running} runs. */
    static ApplicationId newApplication(Set<ApplicationId> before, Process running, String name) throws Exception {
        Set<ApplicationId> found = new HashSet<>();
        await("the application of " + name, () -> {
            found.clear();
            found.addAll(applications());
            found.removeAll(before);
            return !found.isEmpty();
        }, running, name);
        assertEquals(1, found.size(), "one application: " + found);
        return found.iterator().next();
    }

    /** Submits, waits, and returns the exit code and the application YARN ran. */
    static Submitted run(String name, String... args) throws Exception {
        Set<ApplicationId> before = applications();
        int code = submit(name, args);
        Set<ApplicationId> ids = applications();
        ids.removeAll(before);
        assertEquals(1, ids.size(), name + ": one application, got " + ids + "\n" + log(name));
        return new Submitted(code, client.getApplicationReport(ids.iterator().next()));
    }

    record Submitted(int exitCode, ApplicationReport app) {
    }

    static int attempts(ApplicationReport app) throws Exception {
        return client.getApplicationAttempts(app.getApplicationId()).size();
    }

    interface Condition {
        boolean holds() throws Exception;
    }

    static void await(String what, Condition condition, Process running, String name) throws Exception {
        long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (!condition.holds()) {
            if (System.nanoTime() > end) {
                running.descendants().forEach(ProcessHandle::destroyForcibly);
                running.destroyForcibly();
                fail("timed out waiting for " + what + "\n" + log(name));
            }
            if (!running.isAlive()) {
                fail(name + " ended before " + what + " (exit " + running.exitValue() + ")\n" + log(name));
            }
            Thread.sleep(20);
        }
    }

    /**
     * Kills the driver of {@code app}'s running attempt: in cluster mode it runs in the
     * application master's container, whose JVM (and its launch shell) names the application in
     * its log directory.
     */
    static void killDriver(ApplicationId app) {
        List<ProcessHandle> am = ProcessHandle.allProcesses().filter(h -> h.info().commandLine()
            .map(c -> c.contains("org.apache.spark.deploy.yarn.ApplicationMaster") && c.contains(app.toString()))
            .orElse(false)).toList();
        assertFalse(am.isEmpty(), "the application master of " + app + " runs");
        am.forEach(ProcessHandle::destroyForcibly);
    }

    /** What the driver of attempt {@code attempt} printed (its container's stdout and stderr). */
    static String driverLog(ApplicationId app, int attempt) throws IOException {
        String suffix = String.format("_%02d_000001", attempt);
        StringBuilder out = new StringBuilder();
        for (String dir : yarn.getNodeManager(0).getConfig().getTrimmedStrings(YarnConfiguration.NM_LOG_DIRS)) {
            Path appDir = Path.of(dir, app.toString());
            if (!Files.isDirectory(appDir)) {
                continue;
            }
            try (Stream<Path> containers = Files.list(appDir)) {
                for (Path c : containers.filter(c -> c.getFileName().toString().endsWith(suffix)).toList()) {
                    for (String f : List.of("stdout", "stderr")) {
                        if (Files.exists(c.resolve(f))) {
                            out.append(Files.readString(c.resolve(f)));
                        }
                    }
                }
            }
        }
        return out.toString();
    }

    /** Whether any file under {@code dir} (hidden and temporary ones included) is a Parquet part file. */
    static boolean hasPartFile(Path dir) {
        if (!Files.exists(dir)) {
            return false;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith("part-"));
        } catch (IOException | java.io.UncheckedIOException e) {
            return false; // a directory vanished while it was walked
        }
    }

    @Test
    @Order(1)
    void ingestAndTrainSucceedInOneAttemptAndBadInputFailsWithItsError() throws Exception {
        Submitted ingest = run("ingest", "ingest", "--format", "idx", "--name", "mnist", "--train",
            TestData.path(TestData.TRAIN_IMAGES), "--train-labels", TestData.path(TestData.TRAIN_LABELS), "--test",
            TestData.path(TestData.TEST_IMAGES), "--test-labels", TestData.path(TestData.TEST_LABELS), "--output", DATASET,
            "--overwrite");
        assertEquals(0, ingest.exitCode(), log("ingest"));
        Submitted train = run("train", "train", "--dataset", DATASET, "--model", "mlp2", "--epochs", "1", "--partitions", "1",
            "--log-every", "0", "--output", MODEL, "--overwrite");
        assertEquals(0, train.exitCode(), log("train"));
        for (Submitted s : List.of(ingest, train)) {
            assertEquals(FinalApplicationStatus.SUCCEEDED, s.app().getFinalApplicationStatus(), s.app().getDiagnostics());
            assertEquals(1, attempts(s.app()), "one attempt: " + s.app().getName());
        }
        assertTrue(Files.exists(Path.of(DATASET, "dataset.json")));
        assertTrue(Files.exists(Path.of(MODEL, "weights.bin")));

        // a job that fails on its input: FAILED with the error in the diagnostics, both attempts alike
        String missing = WORK.resolve("no-such-dataset").toString();
        Submitted bad = run("bad", "train", "--dataset", missing, "--output", WORK.resolve("never").toString());
        assertTrue(bad.exitCode() != 0, log("bad"));
        assertEquals(FinalApplicationStatus.FAILED, bad.app().getFinalApplicationStatus());
        assertTrue(bad.app().getDiagnostics().contains(missing + ": not a spark-nn dataset"), bad.app().getDiagnostics());
        assertEquals(2, attempts(bad.app()), "spark.yarn.maxAppAttempts=2");
    }

    @Test
    @Order(2)
    void aSecondAttemptContinuesWhatTheLostFirstOneStarted() throws Exception {
        assertTrue(Files.exists(Path.of(MODEL, "weights.bin")), "runs after the first test, on its dataset and model");

        // training: the driver is lost after a checkpoint; the second attempt resumes from it
        String[] training = {"--dataset", DATASET, "--model", "mlp2", "--epochs", "1", "--batch-size", "64", "--partitions",
            "2", "--seed", "7", "--log-every", "0"};
        Path checkpoints = WORK.resolve("killed-checkpoints");
        String resumed = WORK.resolve("resumed").toString();
        Set<ApplicationId> before = applications();
        Process train = start("train-killed", concat(concat(new String[] {"train"}, training), "--output", resumed,
            "--checkpoint-dir", checkpoints.toString(), "--checkpoint-every", "30"));
        ApplicationId trainApp = newApplication(before, train, "train-killed");
        await("the first checkpoint", () -> {
            String[] names = checkpoints.toFile().list((d, n) -> n.startsWith("checkpoint-"));
            return names != null && names.length > 0;
        }, train, "train-killed");
        killDriver(trainApp);
        assertEquals(0, finish("train-killed", train), log("train-killed"));
        ApplicationReport trainReport = client.getApplicationReport(trainApp);
        assertEquals(FinalApplicationStatus.SUCCEEDED, trainReport.getFinalApplicationStatus(), trainReport.getDiagnostics());
        assertEquals(2, attempts(trainReport), "the lost first attempt and the second");
        String secondTrain = driverLog(trainApp, 2);
        assertTrue(secondTrain.contains("continuing from the checkpoints an earlier attempt wrote")
            && secondTrain.contains("resuming from"), secondTrain);
        String uninterrupted = WORK.resolve("uninterrupted").toString();
        TrainJob reference = new TrainJob();
        new CommandLine(reference).parseArgs(concat(training, "--output", uninterrupted, "--overwrite"));
        reference.run(TestSpark.session());
        assertArrayEquals(Files.readAllBytes(Path.of(uninterrupted, "weights.bin")),
            Files.readAllBytes(Path.of(resumed, "weights.bin")),
            "the resumed run's weights equal an uninterrupted run's, bit for bit");

        // scoring (the model of the first test): the driver is lost while its tasks write; the second
        // attempt writes the date whole
        Path table = WORK.resolve("nightly");
        before = applications();
        Process score = start("score-killed", "score", "--model", MODEL, "--format", "idx", "--input",
            TestData.path(TestData.TRAIN_IMAGES), "--output", table.toString(), "--run-date", "2026-12-03", "--partitions",
            "24");
        ApplicationId scoreApp = newApplication(before, score, "score-killed");
        await("the scoring write", () -> hasPartFile(table), score, "score-killed");
        killDriver(scoreApp);
        assertEquals(0, finish("score-killed", score), log("score-killed"));
        ApplicationReport scoreReport = client.getApplicationReport(scoreApp);
        assertEquals(FinalApplicationStatus.SUCCEEDED, scoreReport.getFinalApplicationStatus(), scoreReport.getDiagnostics());
        assertEquals(2, attempts(scoreReport));
        String secondScore = driverLog(scoreApp, 2);
        assertTrue(secondScore.contains("the unfinished output of an earlier attempt of " + scoreApp), secondScore);
        List<Row> rows = TestSpark.session().read().parquet(table.toString()).collectAsList();
        assertEquals(TestData.TRAIN_ROWS, rows.size(), "one row per input row");
        assertEquals(TestData.TRAIN_ROWS, rows.stream().map(r -> r.getAs("id")).distinct().count());
        assertTrue(Files.exists(table.resolve("run_date=2026-12-03").resolve("_scoring.json")), "the run's summary");
        try (Stream<Path> left = Files.list(table)) {
            assertEquals(List.of("run_date=2026-12-03"), left.map(p -> p.getFileName().toString())
                .filter(n -> !n.endsWith(".crc")).sorted().toList(), "only the date's partition, no staging left");
        }
    }

    static String[] concat(String[] a, String... b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static String log(String name) throws java.io.IOException {
        return Files.readString(WORK.resolve(name + ".log"), StandardCharsets.UTF_8);
    }
}
