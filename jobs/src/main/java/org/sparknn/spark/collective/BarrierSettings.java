package org.sparknn.spark.collective;

import org.apache.spark.SparkConf;

/** The configuration keys of gang-scheduled training, read from the application's Spark configuration. */
public final class BarrierSettings {
    /** The longest a task waits for one message of a peer before it fails the stage, naming the peer. */
    public static final String TIMEOUT_KEY = "spark.sparknn.exchange.timeout";
    static final String TIMEOUT_DEFAULT = "120s";
    /**
     * Where the optimizer runs: {@code sharded} (each task updates the chunk of the parameters it
     * owns in the all-reduce, and the all-gather carries parameters) or {@code replicated} (every
     * task updates all of them from the summed gradient). The same bits either way.
     */
    public static final String OPTIMIZER_KEY = "spark.sparknn.exchange.optimizer";
    static final String OPTIMIZER_DEFAULT = "sharded";

    private BarrierSettings() {
    }

    /**
     * Whether the optimizer runs sharded (see {@link #OPTIMIZER_KEY}), from the session's runtime
     * configuration: set at submission, or changed between runs of one application.
     */
    public static boolean shardedOptimizer(org.apache.spark.sql.RuntimeConfig conf) {
        String v = conf.get(OPTIMIZER_KEY, OPTIMIZER_DEFAULT).trim().toLowerCase(java.util.Locale.ROOT);
        return switch (v) {
            case "sharded" -> true;
            case "replicated" -> false;
            default -> throw new IllegalArgumentException(OPTIMIZER_KEY + " must be sharded or replicated, got '" + v + "'");
        };
    }

    /** The exchange timeout in nanoseconds (a Spark time string: "30s", "2min"). */
    public static long timeoutNanos(SparkConf conf) {
        long ms = conf.getTimeAsMs(TIMEOUT_KEY, TIMEOUT_DEFAULT);
        if (ms <= 0) {
            throw new IllegalArgumentException(TIMEOUT_KEY + " must be positive, got " + conf.get(TIMEOUT_KEY));
        }
        return ms * 1_000_000;
    }
}
