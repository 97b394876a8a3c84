package org.sparknn.spark;

import java.io.Serializable;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * One step's weights on their way to the tasks, carried in whichever way costs the step less.
 *
 * <ul>
 *   <li>In local mode, and for large models, as a broadcast: local tasks read the driver's own
 *       copy, and a large array is fetched once per executor.</li>
 *   <li>On a cluster, small models ride inside the task function itself. Every job already
 *       ships its serialized task function to each executor as a broadcast, and fetching any
 *       broadcast costs each executor synchronous round trips to the driver (locate, fetch, report
 *       the copy). A second broadcast for the weights pays those again on every step. Measured on
 *       the two-executor standalone cluster (ops/cluster) with 2 tasks: 101,770 floats (mlp)
 *       20.4 ms per job as a broadcast, 11.7 ms inside the task function, where an empty job
 *       takes 12.2 ms; 693,962 floats (cnn) 23.9 ms as a broadcast, 34-60 ms inside the task,
 *       because Java serialization writes and reads the copy once per task. Locally a broadcast
 *       wins at both sizes (5.4 against 7.3 ms, 7.3 against 14.3 ms).</li>
 * </ul>
 *
 * Either way the tasks see the same floats, so the choice never changes a result.
 */
public final class TaskWeights implements Serializable {
    /** Largest weight array sent inside the task function on clusters, bytes. */
    static final long INLINE_MAX_BYTES = 1L << 20;

    private final float[] inline;
    private final Broadcast<float[]> broadcast;

    private TaskWeights(float[] inline, Broadcast<float[]> broadcast) {
        this.inline = inline;
        this.broadcast = broadcast;
    }

    /** A copy of {@code params} for the tasks of the next job, carried as {@link #inline(boolean, int)} says. */
    public static TaskWeights ship(JavaSparkContext sc, float[] params) {
        return ship(sc, params, inline(sc.sc().isLocal(), params.length));
    }

    /** A copy of {@code params} carried inside the task function, or else as a broadcast. */
    static TaskWeights ship(JavaSparkContext sc, float[] params, boolean inline) {
        float[] copy = params.clone();
        return inline ? new TaskWeights(copy, null) : new TaskWeights(null, sc.broadcast(copy));
    }

    /** True when {@code floats} weights travel inside the task function rather than as a broadcast. */
    static boolean inline(boolean localMode, int floats) {
        return !localMode && 4L * floats <= INLINE_MAX_BYTES;
    }

    /** The weights, on the driver or in a task. */
    public float[] value() {
        return inline != null ? inline : broadcast.value();
    }

    /** True when the weights are carried inside the task function. */
    public boolean isInline() {
        return inline != null;
    }

    /** Frees the executors' copies once the job is done (a no-op when inline). */
    public void release() {
        if (broadcast != null) {
            broadcast.destroy();
        }
    }
}
