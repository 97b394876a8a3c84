package org.sparknn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.sparknn.nn.spec.SettingException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Job mains under a cluster manager return or throw; only local and command-line runs exit the JVM. */
class SparkJobTest {
    @Command(name = "job")
    static final class Job implements Callable<Integer> {
        @Option(names = "--fail", description = "fail with this message")
        String fail;
        @Option(names = "--n", description = "a number")
        int n;

        @Override
        public Integer call() {
            if (fail != null) {
                throw new IllegalArgumentException(fail);
            }
            return 0;
        }
    }

    @AfterEach
    void clearMaster() {
        System.clearProperty("spark.master");
    }

    @Test
    void onlyLocalAndCommandLineRunsOwnTheJvm() {
        assertTrue(SparkJob.exitsJvm(""));
        assertTrue(SparkJob.exitsJvm("local[*]"));
        assertTrue(SparkJob.exitsJvm("local-cluster[2,1,1024]"));
        assertFalse(SparkJob.exitsJvm("yarn"));
        assertFalse(SparkJob.exitsJvm("k8s://https://api:443"));
        assertFalse(SparkJob.exitsJvm("spark://127.0.0.1:7077"));
    }

    @Test
    void underYarnASuccessReturnsAndAFailureThrowsWithTheError() {
        System.setProperty("spark.master", "yarn"); // as spark-submit and the application master set it
        SparkJob.main(new Job(), new String[0]);
        SparkJob.JobFailedException bad = assertThrows(SparkJob.JobFailedException.class,
            () -> SparkJob.main(new Job(), new String[] {"--fail", "--dataset x: not a spark-nn dataset"}));
        assertEquals(2, bad.code());
        assertEquals("--dataset x: not a spark-nn dataset", bad.getMessage());
        SparkJob.JobFailedException usage = assertThrows(SparkJob.JobFailedException.class,
            () -> SparkJob.main(new Job(), new String[] {"--n", "many"}));
        assertEquals(2, usage.code());
        assertTrue(usage.getMessage().contains("'many' is not an int"), usage.getMessage());
    }

    @Command(name = "train")
    static final class Settings implements Callable<Integer> {
        @Option(names = "--batch-size", description = "a setting spelled as its concept")
        int batchSize;
        @Option(names = "--partitions", description = "a setting whose flag differs from its concept")
        Integer numPartitions;

        @Override
        public Integer call() {
            throw new SettingException("batchSize must be positive and numPartitions at most 8, got " + batchSize + " and "
                + numPartitions + " (numPartitionsMax is not a setting here)", "batchSize", "numPartitions");
        }
    }

    @Test
    void aBadSettingIsReportedWithTheFlagsOfTheCommandLine() {
        java.io.StringWriter err = new java.io.StringWriter();
        assertEquals(2, SparkJob.execute(new Settings(), new String[] {"--batch-size", "0", "--partitions", "9"},
            new java.io.PrintWriter(err)));
        assertEquals("error: --batch-size must be positive and --partitions at most 8, got 0 and 9"
            + " (numPartitionsMax is not a setting here)", err.toString().strip());
    }
}
