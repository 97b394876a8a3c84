package org.sparknn.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;

/**
 * What every job main shares: picocli parsing with clear errors and exit codes, a SparkSession
 * (local[*] when started outside spark-submit) stopped in {@code finally}, and a non-zero exit on
 * failure with the cause's message rather than only a stack trace.
 */
public final class SparkJob {
    private SparkJob() {
    }

    /** Runs a picocli command and exits the JVM with its code. */
    public static void main(Callable<Integer> command, String[] args) {
        System.exit(execute(command, args));
    }

    /** Runs a picocli command and returns its exit code: 0 ok, 1 failed, 2 bad arguments. */
    public static int execute(Callable<Integer> command, String[] args) {
        CommandLine cl = new CommandLine(command);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            Throwable root = rootCause(e);
            if (root instanceof IllegalArgumentException) {
                err.println("error: " + root.getMessage());
                return 2;
            }
            err.println("error: " + e);
            e.printStackTrace(err);
            if (root != e) {
                err.println("caused by: " + root);
            }
            return 1;
        });
        return cl.execute(args);
    }

    /** The innermost cause, through Spark's task-failure wrapping. */
    public static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    /** What a job does with its session. */
    @FunctionalInterface
    public interface Body {
        void run(SparkSession spark) throws Exception;
    }

    /** Runs {@code body} in the job's session, stops the session whether it succeeded or not, and returns 0. */
    public static int inSession(String appName, Body body) throws Exception {
        SparkSession spark = session(appName);
        try {
            body.run(spark);
            return 0;
        } finally {
            spark.stop();
        }
    }

    /** The job's session: spark-submit's settings, or local[*] when no master was given. */
    public static SparkSession session(String appName) {
        SparkConf conf = new SparkConf();
        if (!conf.contains("spark.master")) {
            conf.setMaster("local[*]");
        }
        return SparkSession.builder().appName(appName).config(conf).getOrCreate();
    }
}
