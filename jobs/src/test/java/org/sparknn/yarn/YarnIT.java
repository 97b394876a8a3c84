package org.sparknn.yarn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparknn.testing.TestData;

/** spark-nn jobs submitted with ops/submit yarn to a real MiniYARNCluster, in cluster deploy mode. */
class YarnIT {
    static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    static final Path WORK = ROOT.resolve("jobs/target/yarn-it");
    static MiniYARNCluster yarn;
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
    }

    @AfterAll
    static void stopYarn() {
        if (yarn != null) {
            yarn.stop();
        }
    }

    static int submit(String name, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("ops/submit").toString(), "yarn"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
            .redirectOutput(WORK.resolve(name + ".log").toFile());
        pb.environment().put("HADOOP_CONF_DIR", confDir.toString());
        pb.environment().remove("SPARK_HOME");
        pb.environment().put("SPARK_NN_SUBMIT_ARGS", "--conf spark.executor.instances=1 --conf spark.executor.cores=1"
            + " --conf spark.executor.memory=768m --conf spark.executor.memoryOverhead=384m --conf spark.driver.memory=768m"
            + " --conf spark.driver.memoryOverhead=384m --conf spark.yarn.am.memory=512m");
        Process p = pb.start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError(name + " did not finish: " + Files.readString(WORK.resolve(name + ".log")));
        }
        return p.exitValue();
    }

    /** The applications YARN ran so far, oldest first. */
    static List<ApplicationReport> applications(YarnClient client) throws Exception {
        List<ApplicationReport> apps = new ArrayList<>(client.getApplications());
        apps.sort((a, b) -> Long.compare(a.getStartTime(), b.getStartTime()));
        return apps;
    }

    @Test
    void ingestTrainAndScoreSucceedInOneAttemptAndBadInputFailsWithItsError() throws Exception {
        String dataset = WORK.resolve("mnist").toString();
        String model = WORK.resolve("model").toString();
        String scores = WORK.resolve("scores").toString();
        assertEquals(0, submit("ingest", "ingest", "--format", "idx", "--name", "mnist", "--train",
            TestData.path(TestData.TRAIN_IMAGES), "--train-labels", TestData.path(TestData.TRAIN_LABELS), "--test",
            TestData.path(TestData.TEST_IMAGES), "--test-labels", TestData.path(TestData.TEST_LABELS), "--output", dataset,
            "--overwrite"), log("ingest"));
        assertEquals(0, submit("train", "train", "--dataset", dataset, "--model", "mlp2", "--epochs", "1", "--partitions", "1",
            "--log-every", "0", "--output", model, "--overwrite"), log("train"));
        assertEquals(0, submit("score", "score", "--model", model, "--input", dataset, "--output", scores, "--run-date",
            "2026-12-03"), log("score"));
        // a job that fails on its input: FAILED with the error in the diagnostics, both attempts alike
        String missing = WORK.resolve("no-such-dataset").toString();
        assertTrue(submit("bad", "train", "--dataset", missing, "--output", WORK.resolve("never").toString()) != 0, log("bad"));

        try (YarnClient client = YarnClient.createYarnClient()) {
            client.init(yarn.getConfig());
            client.start();
            List<ApplicationReport> apps = applications(client);
            assertEquals(4, apps.size());
            for (ApplicationReport app : apps.subList(0, 3)) {
                assertEquals(FinalApplicationStatus.SUCCEEDED, app.getFinalApplicationStatus(), app.getDiagnostics());
                assertEquals(1, client.getApplicationAttempts(app.getApplicationId()).size(), "one attempt: " + app.getName());
            }
            ApplicationReport bad = apps.get(3);
            assertEquals(FinalApplicationStatus.FAILED, bad.getFinalApplicationStatus());
            assertTrue(bad.getDiagnostics().contains(missing + ": not a spark-nn dataset"), bad.getDiagnostics());
            assertEquals(2, client.getApplicationAttempts(bad.getApplicationId()).size(), "spark.yarn.maxAppAttempts=2");
        }
        assertTrue(Files.exists(Path.of(dataset, "dataset.json")));
        assertTrue(Files.exists(Path.of(model, "weights.bin")));
        assertTrue(Files.exists(Path.of(scores, "run_date=2026-12-03", "_scoring.json")));
    }

    static String log(String name) throws java.io.IOException {
        return Files.readString(WORK.resolve(name + ".log"), StandardCharsets.UTF_8);
    }
}
