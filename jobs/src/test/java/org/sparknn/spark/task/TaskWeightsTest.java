package org.sparknn.spark.task;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.sparknn.testing.TestSpark;

class TaskWeightsTest {
    private static final JavaSparkContext SC = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());

    @Test
    void smallModelsRideInTheTaskOnlyOnClusters() {
        assertFalse(TaskWeights.inline(true, 10), "local mode always broadcasts");
        assertTrue(TaskWeights.inline(false, 101_770), "mlp-sized weights go inside the task on a cluster");
        assertTrue(TaskWeights.inline(false, (int) (TaskWeights.INLINE_MAX_BYTES / 4)));
        assertFalse(TaskWeights.inline(false, (int) (TaskWeights.INLINE_MAX_BYTES / 4) + 1));
        assertFalse(TaskWeights.inline(false, 693_962), "cnn-sized weights are broadcast");
        assertFalse(carriesWeights(TaskWeights.ship(SC, new float[10_000]), 10_000), "the test session is local");
    }

    @Test
    void tasksSeeTheSameCopyEitherWay() {
        float[] params = new float[5000];
        for (int i = 0; i < params.length; i++) {
            params[i] = (float) Math.sin(i) * 1e-3f;
        }
        // values whose bits a conversion could alter: signed zero, subnormals, extremes, infinities
        float[] special = {-0.0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.intBitsToFloat(0x3f800001)};
        System.arraycopy(special, 0, params, 1, special.length);
        float[] expected = params.clone();
        JavaRDD<Integer> parts = SC.parallelize(List.of(0, 1, 2), 3);
        for (boolean inline : new boolean[] {true, false}) {
            TaskWeights w = TaskWeights.ship(SC, params, inline);
            assertEquals(inline, carriesWeights(w, params.length));
            params[0] = 42f; // the shipped weights are a copy taken when shipped
            try {
                List<float[]> seen = parts.map(i -> w.value()).collect();
                assertEquals(3, seen.size());
                for (float[] s : seen) {
                    assertArrayEquals(bits(expected), bits(s), inline ? "inline" : "broadcast");
                }
                assertArrayEquals(expected, w.value());
            } finally {
                w.release();
            }
            params[0] = expected[0];
        }
    }

    private static int[] bits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }

    /** Whether the weights ride inside the task function: its serialized form then holds them. */
    static boolean carriesWeights(TaskWeights w, int floats) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(w);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.size() >= 4 * floats;
    }
}
