package org.sparknn.io;

import java.io.PrintStream;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkStageInfo;
import org.apache.spark.SparkStatusTracker;

/**
 * Prints a progress line every few seconds while a job runs: the named step the job is in, the
 * task counts of Spark's active stages and, when the job counts its inputs ({@link #count}), how
 * many are done, their rate and the time left. The step is also set as Spark's job description, so
 * the Spark UI shows the same names.
 */
public final class ProgressReporter implements AutoCloseable {
    private final SparkContext sc;
    private final String job;
    private final PrintStream out;
    private final long startNanos = System.nanoTime();
    private final Thread thread;
    private volatile String step = "starting";
    private volatile Count count;

    /** Inputs counted as they are done: {@code done} of {@code total} since {@code startNanos}. */
    private record Count(String unit, java.util.function.LongSupplier done, long total, long startNanos) {
    }

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

    /**
     * Counts inputs from now on: progress lines add how many of {@code total} are {@code done}
     * (what completed tasks reported), the rate and the time left at that rate.
     *
     * @param unit what is counted, plural ("images")
     */
    public void count(String unit, java.util.function.LongSupplier done, long total) {
        count = new Count(unit, done, total, System.nanoTime());
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
        Count c = count;
        if (c != null) {
            b.append(counted(c.unit(), c.done().getAsLong(), c.total(), (System.nanoTime() - c.startNanos()) / 1e9));
        }
        return b.toString();
    }

    /** The part of a progress line that counts inputs: done of total, and while some are left, their rate and ETA. */
    static String counted(String unit, long done, long total, double seconds) {
        String line = String.format(java.util.Locale.ROOT, " | %,d of %,d %s", done, total, unit);
        if (done > 0 && done < total && seconds > 0) {
            double rate = done / seconds;
            line += String.format(java.util.Locale.ROOT, ", %,.0f %s/s, ETA %s", rate, unit, clock((total - done) / rate));
        }
        return line;
    }

    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return String.format("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }

    @Override
    public void close() {
        thread.interrupt();
        sc.setJobDescription(null);
    }
}
