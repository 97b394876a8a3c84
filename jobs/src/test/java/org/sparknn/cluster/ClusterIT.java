package org.sparknn.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparknn.testing.TestData;
import org.sparknn.testing.TestSpark;

/**
 * spark-nn on a real standalone cluster: a master and two workers on 127.0.0.1 started by
 * ops/cluster from the Maven jars, executors in JVMs of their own, every job submitted through
 * ops/submit with the packaged application jar. Faults are real: executor JVMs are killed with
 * SIGKILL (a killed driver, and the second attempt that continues its work, is YarnIT's). Every
 * process started here is stopped by PID, also when a test fails.
 */
class ClusterIT {
    static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    static final Path TARGET = ROOT.resolve("jobs/target");
    static final Path WORK = TARGET.resolve("it-work");
    static final Path LOGS = TARGET.resolve("it-logs");
    static final Path CLUSTER = TARGET.resolve("it-cluster");
    static final int PORT = 17077;
    static final List<Process> STARTED = new ArrayList<>();
    static final String SECRET = "cluster-it-secret";
    /** Training long enough to be interrupted: 2 epochs of 84 steps, a barrier segment each. */
    static final String[] LONG_TRAINING = {"--model", "mlp2", "--epochs", "2", "--batch-size", "64", "--partitions", "2",
        "--seed", "7", "--log-every", "10"};
    static String dataset;

    @BeforeAll
    static void startClusterAndIngest() throws Exception {
        deleteTree(WORK);
        deleteTree(CLUSTER);
        Files.createDirectories(LOGS);
        Runtime.getRuntime().addShutdownHook(new Thread(ClusterIT::stopEverything));
        run("cluster-start", List.of(ROOT.resolve("ops/cluster").toString(), "start", "--workers", "2", "--cores", "1",
            "--memory", "1500m", "--port", String.valueOf(PORT)), Duration.ofMinutes(2));
        dataset = WORK.resolve("mnist").toString();
        submit("ingest", "ingest", "--format", "idx", "--name", "mnist", "--train", TestData.path(TestData.TRAIN_IMAGES),
            "--train-labels", TestData.path(TestData.TRAIN_LABELS), "--test", TestData.path(TestData.TEST_IMAGES),
            "--test-labels", TestData.path(TestData.TEST_LABELS), "--validation-fraction", "0.1", "--output", dataset);
    }

    @AfterAll
    static void stopCluster() {
        stopEverything();
    }

    static synchronized void stopEverything() {
        for (Process p : STARTED) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        STARTED.clear();
        try {
            ProcessBuilder stop = new ProcessBuilder(ROOT.resolve("ops/cluster").toString(), "stop")
                .redirectErrorStream(true).redirectOutput(LOGS.resolve("cluster-stop.log").toFile());
            stop.environment().putAll(env());
            stop.start().waitFor(60, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            System.err.println("could not stop the test cluster: " + e);
        }
        for (ProcessHandle h : executors()) {
            h.destroyForcibly();
        }
    }

    static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("SPARK_NN_CLUSTER_DIR", CLUSTER.toString());
        env.put("SPARK_NN_SPARK_HOME", TARGET.resolve("spark-home").toString());
        env.put("SPARK_NN_MASTER", "spark://127.0.0.1:" + PORT);
        env.put("SPARK_NN_DRIVER_MEMORY", "1g");
        // every daemon, application and executor authenticates with the cluster's secret, and the
        // applications' traffic (RPC, blocks, the training exchange) is encrypted
        env.put("SPARK_NN_CLUSTER_SECRET", SECRET);
        env.put("SPARK_NN_SUBMIT_ARGS", "--conf spark.executor.memory=1g --conf spark.authenticate=true"
            + " --conf spark.authenticate.secret=" + SECRET + " --conf spark.network.crypto.enabled=true");
        return env;
    }

    /** Starts a command with its output in it-logs/NAME.log. */
    static Process start(String name, List<String> command) throws IOException {
        return start(name, command, Map.of());
    }

    static Process start(String name, List<String> command, Map<String, String> extraEnv) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true)
            .redirectOutput(LOGS.resolve(name + ".log").toFile());
        pb.environment().putAll(env());
        pb.environment().putAll(extraEnv);
        Process p = pb.start();
        synchronized (ClusterIT.class) {
            STARTED.add(p);
        }
        return p;
    }

    static void run(String name, List<String> command, Duration timeout) throws Exception {
        Process p = start(name, command);
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            fail(name + " did not finish in " + timeout + "\n" + tail(name));
        }
        assertEquals(0, p.exitValue(), name + " failed:\n" + tail(name));
    }

    static List<String> submitCommand(String env, String job, String... args) {
        List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("ops/submit").toString(), env, job));
        cmd.addAll(List.of(args));
        return cmd;
    }

    static void submit(String name, String job, String... args) throws Exception {
        run(name, submitCommand("standalone", job, args), Duration.ofMinutes(5));
    }

    static String tail(String name) {
        try {
            List<String> lines = Files.readAllLines(LOGS.resolve(name + ".log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    static String[] concat(String[] a, String... b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** The same training in local mode with the same partition count, for the bit-exact comparison. */
    static byte[] localWeights(String name, String... trainArgs) throws Exception {
        String out = WORK.resolve(name).toString();
        if (!Files.exists(Path.of(out, "weights.bin"))) {
            List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("ops/run-local").toString(), "org.sparknn.jobs.TrainJob",
                "--dataset", dataset, "--output", out));
            cmd.addAll(List.of(trainArgs));
            Process p = start(name, cmd, Map.of("SPARK_NN_MASTER", "local[2]", "SPARK_NN_DRIVER_MEMORY", "2g"));
            assertTrue(p.waitFor(5, TimeUnit.MINUTES), name + " did not finish");
            assertEquals(0, p.exitValue(), name + " failed:\n" + tail(name));
        }
        return Files.readAllBytes(Path.of(out, "weights.bin"));
    }

    /** Executor JVMs of this test's cluster. */
    static List<ProcessHandle> executors() {
        String home = TARGET.resolve("spark-home").toString();
        return ProcessHandle.allProcesses().filter(h -> h.info().commandLine()
            .map(c -> c.contains("CoarseGrainedExecutorBackend") && c.contains(home)).orElse(false)).toList();
    }

    static void await(String what, Duration timeout, BooleanSupplier condition, Process running, String log)
        throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                fail("timed out waiting for " + what + "\n" + tail(log));
            }
            if (running != null && !running.isAlive()) {
                fail(log + " ended before " + what + " (exit " + running.exitValue() + ")\n" + tail(log));
            }
            Thread.sleep(20);
        }
    }

    static boolean logContains(String name, String text) {
        try {
            return Files.readString(LOGS.resolve(name + ".log")).contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The pipeline on the cluster: a training in barrier steps (auto) that loses an executor
     * mid-segment ends with local mode's weights; its model scores and evaluates on the cluster.
     */
    @Test
    void ingestTrainScoreEvaluateOnTheClusterMatchLocalModeWithAnExecutorKilled() throws Exception {
        // the failed segment runs again from the state the driver holds; the lost blocks are rebuilt
        // from the input through their lineage
        String model = executorLoss("train", Map.of());
        String log = Files.readString(LOGS.resolve("train.log"));
        assertTrue(log.contains("step mode barrier (auto: 2 gang-scheduled tasks fit the task slots)"),
            "two executors of one core each run the two partitions' tasks at once: barrier mode\n" + tail("train"));
        int rerun = log.indexOf("running them again from the state the driver holds (attempt 2 of 4)");
        assertTrue(rerun >= 0, "the segment the executor was lost in ran again\n" + tail("train"));
        assertTrue(rerun < log.indexOf("epoch 1/2 done"), "the step line the executor was killed after came while the"
            + " first epoch's segment ran, and that segment ran again\n" + tail("train"));

        String scores = WORK.resolve("scores").toString();
        submit("score", "score", "--model", model, "--input", dataset, "--split", "test", "--output", scores,
            "--run-date", "2026-11-23");
        submit("evaluate", "evaluate", "--model", model, "--dataset", dataset);
        List<Row> rows = TestSpark.session().read().parquet(scores).collectAsList();
        assertEquals(TestData.TEST_ROWS, rows.size());
        assertEquals(TestData.TEST_ROWS, rows.stream().map(r -> r.getAs("id")).distinct().count());
        JsonNode evaluation = new ObjectMapper().readTree(Path.of(model, "evaluation.json").toFile());
        JsonNode training = new ObjectMapper().readTree(Path.of(model, "training.json").toFile());
        assertEquals(training.get("test").get("accuracy").asDouble(), evaluation.get("metrics").get("accuracy").asDouble(), 1e-9);
        assertTrue(Files.exists(Path.of(model, "report.html")));
        assertTrue(training.get("sparkMaster").asText().startsWith("spark://"), training.get("sparkMaster").asText());
    }

    /**
     * Job steps across the executors, an executor lost: with spark.checkpoint.dir the blocks have no
     * lineage and the lost ones are read back from the files. Its weights equal local mode's, as the
     * barrier run's do, so job and barrier steps across executors give the same bits.
     */
    @Test
    void jobStepsWithCheckpointedBlocksAndAnExecutorKilledMatchLocalMode() throws Exception {
        Path dir = WORK.resolve("rdd-checkpoints");
        executorLoss("train-job-steps", Map.of("SPARK_NN_SUBMIT_ARGS",
            env().get("SPARK_NN_SUBMIT_ARGS") + " --conf spark.checkpoint.dir=" + dir), "--step-mode", "job");
        assertTrue(logContains("train-job-steps", "step mode job (asked for)"), tail("train-job-steps"));
        try (var files = Files.walk(dir)) {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().startsWith("part-")),
                "the training blocks were checkpointed under " + dir);
        }
    }

    /**
     * Trains LONG_TRAINING on the cluster, kills one of the two executors after step 10 and checks
     * the weights against local mode's, bit for bit; returns the model directory.
     */
    private String executorLoss(String name, Map<String, String> extraEnv, String... more) throws Exception {
        byte[] expected = localWeights("long-local", LONG_TRAINING);
        String model = WORK.resolve(name).toString();
        Process driver = start(name, submitCommand("standalone", "train",
            concat(concat(LONG_TRAINING, more), "--dataset", dataset, "--output", model)), extraEnv);
        await("training progress", Duration.ofMinutes(3), () -> logContains(name, "epoch 1/2 step 10/"), driver, name);
        List<ProcessHandle> running = executors();
        assertEquals(2, running.size(), "two executors");
        running.get(0).destroyForcibly();
        assertTrue(driver.waitFor(5, TimeUnit.MINUTES), "training did not finish after the executor loss");
        assertEquals(0, driver.exitValue(), tail(name));
        assertArrayEquals(expected, Files.readAllBytes(Path.of(model, "weights.bin")),
            "the weights equal an unfaulted local run's, bit for bit");
        String log = Files.readString(CLUSTER.resolve("logs/master.log"));
        assertTrue(log.contains("Removing executor") || log.contains("exited with code") || log.contains("is now LOST")
            || log.contains("is now EXITED"), "the master saw the executor die");
        return model;
    }

    static void deleteTree(Path p) throws IOException {
        if (Files.exists(p)) {
            try (Stream<Path> s = Files.walk(p)) {
                for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
        }
    }
}
