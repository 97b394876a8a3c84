package org.sparknn.io;

import java.io.PrintStream;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkStageInfo;
import org.apache.spark.SparkStatusTracker;

/**
 * Prints a progress line every few seconds while a job runs: the named step the job is in and the
 * task counts of Spark's active stages. The step is also set as Spark's job description, so the
 * Spark UI shows the same names.
 */
public final class ProgressReporter implements AutoCloseable {
    private final SparkContext sc;
    private final String job;
    private final PrintStream out;
    private final long startNanos = System.nanoTime();
    private final Thread thread;
    private volatile String step = "starting";

    public ProgressReporter(SparkContext sc, String job, PrintStream out, long intervalMillis) {
        this.sc = sc;
        this.job = job;
        this.out = out;
        this.thread = new Thread(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(intervalMillis);
                    out.println(line());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, job + "-progress");
        thread.setDaemon(true);
        thread.start();
    }

    /** Names the step that follows, for the progress line and the Spark UI. */
    public void step(String name) {
        step = name;
        sc.setJobDescription(job + ": " + name);
        out.println(String.format("[%s %s] %s", job, elapsed(), name));
    }

    public String elapsed() {
        long s = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNanos);
        return String.format("%02d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }

    public double elapsedSeconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    String line() {
        StringBuilder b = new StringBuilder(String.format("[%s %s] %s", job, elapsed(), step));
        SparkStatusTracker tracker = sc.statusTracker();
        for (int id : tracker.getActiveStageIds()) {
            scala.Option<SparkStageInfo> info = tracker.getStageInfo(id);
            if (info.isDefined()) {
                SparkStageInfo s = info.get();
                b.append(String.format(" | stage %d: %d/%d tasks done, %d running", id, s.numCompletedTasks(),
                    s.numTasks(), s.numActiveTasks()));
            }
        }
        return b.toString();
    }

    @Override
    public void close() {
        thread.interrupt();
        sc.setJobDescription(null);
    }
}
