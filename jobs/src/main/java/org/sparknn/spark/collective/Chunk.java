package org.sparknn.spark.collective;

/**
 * One message of an all-reduce: {@code length} gradient values from {@code offset} of
 * {@code values} (null when the sender had none), and the sender's loss sum, correct predictions,
 * examples and their summed weight. Receivers read the values and never change them, so within a JVM the sender's
 * array travels as it is.
 */
record Chunk(float[] values, int offset, int length, double loss, long correct, long count, double weight) {
    /** The values as a new array (null when there are none). */
    float[] copy() {
        return values == null ? null : java.util.Arrays.copyOfRange(values, offset, offset + length);
    }
}
