package org.sparknn.jobs;

import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;
import org.sparknn.dataprep.IngestImagesJob;
import org.sparknn.io.SparkJob;

/**
 * The jobs by name, run inside an application's own session (the Python package's helpers, a
 * notebook): the same command lines as spark-submit takes, the session left open afterwards.
 */
public final class Jobs {
    private static final Map<String, Supplier<Callable<Integer>>> JOBS = Map.of(
        "ingest", IngestImagesJob::new,
        "train", TrainJob::new,
        "evaluate", EvaluateJob::new,
        "score", ScoreJob::new,
        "export", ExportJob::new,
        "import", ImportJob::new);

    private Jobs() {
    }

    /**
     * Runs the job {@code name} (ingest, train, evaluate, score, export, import) with the command
     * line {@code args} in {@code spark}.
     *
     * @throws IllegalArgumentException for an unknown job
     * @throws SparkJob.JobFailedException with the job's error when it fails
     */
    public static void run(SparkSession spark, String name, String... args) {
        Supplier<Callable<Integer>> job = JOBS.get(name);
        if (job == null) {
            throw new IllegalArgumentException("no job '" + name + "'; the jobs are "
                + new java.util.TreeSet<>(JOBS.keySet()));
        }
        SparkJob.runIn(spark, job.get(), args);
    }
}
