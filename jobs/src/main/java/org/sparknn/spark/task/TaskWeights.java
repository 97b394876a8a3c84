package org.sparknn.spark.task;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
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
 *       the copy); a second broadcast for the weights pays those again on every step. A large
 *       array inside the task function costs more than that, because the task function is
 *       deserialized once per task rather than once per executor: hence {@link #INLINE_MAX_BYTES}.</li>
 * </ul>
 *
 * Inside the task function the weights travel as their little-endian bytes. Spark writes a task
 * function with Java serialization, which converts a {@code float[]} one value at a time on the
 * driver and reads it back the same way in every task; a {@code byte[]} is copied in bulk, and so
 * is its decoding. Measured by {@code bench/cluster-vs-local}.
 *
 * <p>Either way the tasks see the same floats, bit for bit, so the choice never changes a result.
 */
public final class TaskWeights implements Serializable {
    /** Largest weight array sent inside the task function on clusters, bytes. */
    static final long INLINE_MAX_BYTES = 1L << 20;

    /** The weights as little-endian float32 bytes when carried inside the task function, else null. */
    private final byte[] inline;
    private final Broadcast<float[]> broadcast;
    /** {@link #inline} decoded, once per deserialized copy. */
    private transient float[] decoded;

    private TaskWeights(byte[] inline, Broadcast<float[]> broadcast) {
        this.inline = inline;
        this.broadcast = broadcast;
    }

    /** A copy of {@code params} for the tasks of the next job, carried as {@link #inline(boolean, int)} says. */
    public static TaskWeights ship(JavaSparkContext sc, float[] params) {
        return ship(sc, params, inline(sc.sc().isLocal(), params.length));
    }

    /** A copy of {@code params} carried inside the task function, or else as a broadcast. */
    static TaskWeights ship(JavaSparkContext sc, float[] params, boolean inline) {
        if (inline) {
            byte[] bytes = new byte[4 * params.length];
            floats(bytes).put(params);
            return new TaskWeights(bytes, null);
        }
        return new TaskWeights(null, sc.broadcast(params.clone()));
    }

    private static FloatBuffer floats(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    }

    /** True when {@code floats} weights travel inside the task function rather than as a broadcast. */
    static boolean inline(boolean localMode, int floats) {
        return !localMode && 4L * floats <= INLINE_MAX_BYTES;
    }

    /** The weights, on the driver or in a task. */
    public float[] value() {
        return inline != null ? decoded() : broadcast.value();
    }

    private synchronized float[] decoded() {
        if (decoded == null) {
            float[] values = new float[inline.length / 4];
            floats(inline).get(values);
            decoded = values;
        }
        return decoded;
    }

    /** Frees the executors' copies once the job is done (a no-op when inline). */
    public void release() {
        if (broadcast != null) {
            broadcast.destroy();
        }
    }
}
