package org.sparknn.dataset;

/**
 * How a dataset stores its {@code features} column. Either way the jobs see the same floats: a
 * {@link #uint8} dataset read through {@link PixelTable} gives, bit for bit, the values the
 * {@link #float32} dataset of the same images stores.
 */
public enum FeatureEncoding {
    /** {@code array<float>}: the model inputs, normalization already applied. */
    float32,
    /**
     * {@code binary}: one unsigned byte per value, the raw 8-bit pixels in channel-height-width
     * order; readers apply the dataset's normalization. A quarter of the size, and Parquet reads a
     * binary value as one flat copy where an array is decoded value by value with its nesting levels
     * (bench/score-vs-mllib reads both encodings).
     */
    uint8
}
