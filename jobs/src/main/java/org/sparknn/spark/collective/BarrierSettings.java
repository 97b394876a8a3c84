package org.sparknn.spark.collective;

import org.apache.spark.SparkConf;

/** The configuration keys of gang-scheduled training, read from the application's Spark configuration. */
public final class BarrierSettings {
    /** The longest a task waits for one message of a peer before it fails the stage, naming the peer. */
    public static final String TIMEOUT_KEY = "spark.sparknn.exchange.timeout";
    static final String TIMEOUT_DEFAULT = "120s";

    private BarrierSettings() {
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
