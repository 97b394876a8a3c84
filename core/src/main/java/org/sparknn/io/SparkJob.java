package org.sparknn.io;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparknn.nn.io.InvalidFileException;
import org.sparknn.nn.spec.SettingException;
import picocli.CommandLine;

/**
 * What every job main shares: picocli parsing with clear errors and exit codes, a SparkSession
 * (local[*] when started outside spark-submit) stopped in {@code finally}, and a non-zero exit on
 * failure with the cause's message rather than only a stack trace.
 *
 * <p>Exit codes: 0 done; 2 bad input: an option ({@link IllegalArgumentException}) or an input
 * file ({@link InvalidFileException}), reported as one message that names the option or file,
 * with the stack trace only in the log (logger {@code org.sparknn.io.SparkJob} at debug) or, with
 * {@code --verbose}, on the console; 1 any other failure, reported with its stack trace.
 */
public final class SparkJob {
    private static final Logger LOG = LoggerFactory.getLogger(SparkJob.class);

    /** The option every job has: print the stack trace of an input error too. */
    public static final class Verbose {
        @CommandLine.Option(names = "--verbose", description = "On a bad option or input file, also print the stack trace.")
        boolean verbose;
    }

    private SparkJob() {
    }

    /**
     * What a job main does with its command: runs it, then exits the JVM with its code when it runs
     * on its own (master local or unset: the command line). Under a cluster manager it returns on
     * success and throws {@link JobFailedException} on failure instead: in YARN cluster mode the
     * application master runs the main in its own JVM, and a {@code System.exit} there marks the
     * application FAILED ("Shutdown hook called before final status was reported") and starts
     * another attempt even after success.
     */
    public static void main(Callable<Integer> command, String[] args) {
        Outcome o = run(command, args, null);
        if (exitsJvm(new SparkConf().get("spark.master", ""))) {
            System.exit(o.code());
        }
        if (o.code() != 0) {
            throw new JobFailedException(o.code(), o.message());
        }
    }

    /** Whether a job under this master owns its JVM: local mode and plain command-line runs. */
    static boolean exitsJvm(String master) {
        return master.isEmpty() || master.startsWith("local");
    }

    /** A job that failed under a cluster manager, with the exit code and the error it printed. */
    public static final class JobFailedException extends RuntimeException {
        private final int code;

        JobFailedException(int code, String message) {
            super(message);
            this.code = code;
        }

        /** 1: the job failed; 2: bad options or input. */
        public int code() {
            return code;
        }
    }

    /** Runs a picocli command and returns its exit code: 0 ok, 1 failed, 2 bad arguments or input. */
    public static int execute(Callable<Integer> command, String[] args) {
        return execute(command, args, null);
    }

    /** As {@link #execute(Callable, String[])}, reporting errors to {@code err} (null: standard error). */
    public static int execute(Callable<Integer> command, String[] args, PrintWriter err) {
        return run(command, args, err).code();
    }

    /** A command's exit code and the error it reported (null when none). */
    record Outcome(int code, String message) {
    }

    static Outcome run(Callable<Integer> command, String[] args, PrintWriter err) {
        CommandLine cl = new CommandLine(command);
        if (err != null) {
            cl.setErr(err);
        }
        String[] message = new String[1];
        CommandLine.IParameterExceptionHandler usage = cl.getParameterExceptionHandler();
        cl.setParameterExceptionHandler((e, a) -> {
            message[0] = e.getMessage();
            return usage.handleParseException(e, a);
        });
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            PrintWriter out = commandLine.getErr();
            Throwable input = inputError(e);
            if (input != null) {
                message[0] = input instanceof SettingException setting
                    ? setting.messageWith(name -> flag(commandLine.getCommandSpec(), name)) : input.getMessage();
                out.println("error: " + message[0]);
                if (parseResult.hasMatchedOption("--verbose")) {
                    e.printStackTrace(out);
                } else {
                    LOG.debug("stack trace of the error above", e);
                }
                out.flush();
                return 2;
            }
            message[0] = String.valueOf(e);
            out.println("error: " + e);
            e.printStackTrace(out);
            Throwable root = rootCause(e);
            if (root != e) {
                out.println("caused by: " + root);
            }
            out.flush();
            return 1;
        });
        int code = cl.execute(args);
        return new Outcome(code, code == 0 ? null : message[0] != null ? message[0] : "exit code " + code);
    }

    /**
     * The command-line flag of a setting named by its concept name ({@code batchSize}): the option
     * spelled {@code --batch-size}, else the option whose field has that name, else the name.
     */
    static String flag(CommandLine.Model.CommandSpec spec, String setting) {
        String kebab = "--" + setting.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
        if (spec.findOption(kebab) != null) {
            return kebab;
        }
        for (CommandLine.Model.OptionSpec o : spec.options()) {
            if (o.userObject() instanceof java.lang.reflect.Field f && f.getName().equals(setting)) {
                return o.longestName();
            }
        }
        return setting;
    }

    /**
     * The outermost bad-option or bad-file error in {@code e}'s cause chain (through Spark's
     * task-failure wrapping), or null when the failure is of another kind.
     */
    public static Throwable inputError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IllegalArgumentException || t instanceof InvalidFileException) {
                return t;
            }
        }
        return null;
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

    /** The session of a job run inside an application that owns it ({@link #runIn}); null otherwise. */
    private static final ThreadLocal<SparkSession> ATTACHED = new ThreadLocal<>();

    /**
     * Runs a job's command line in {@code spark}, a session its caller owns (a notebook, a PySpark
     * program), which stays open afterwards.
     *
     * @throws JobFailedException with the error the job reported, when it fails (code 1) or its
     *                            options or input are bad (code 2)
     */
    public static void runIn(SparkSession spark, Callable<Integer> command, String[] args) {
        ATTACHED.set(spark);
        Outcome o;
        try {
            o = run(command, args, null);
        } finally {
            ATTACHED.remove();
        }
        if (o.code() != 0) {
            throw new JobFailedException(o.code(), o.message());
        }
    }

    /**
     * Runs {@code body} in the job's session, stops the session whether it succeeded or not, and
     * returns 0; a session its caller owns ({@link #runIn}) is used and left open.
     */
    public static int inSession(String appName, Body body) throws Exception {
        SparkSession attached = ATTACHED.get();
        if (attached != null) {
            body.run(attached);
            return 0;
        }
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
