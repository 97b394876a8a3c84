package org.sparknn.dataset;

import java.io.Serializable;

/**
 * Per-channel count, mean and sum of squared deviations, merged with Chan et al.'s parallel
 * update so partitions can be combined in any tree shape without the cancellation of a
 * sum-of-squares formula. Population statistics (divide by n), as standardization uses.
 */
public final class ChannelStats implements Serializable {
    private final long[] count;
    private final double[] mean;
    private final double[] m2;

    public ChannelStats(int channels) {
        count = new long[channels];
        mean = new double[channels];
        m2 = new double[channels];
    }

    public int channels() {
        return count.length;
    }

    /**
     * Adds one image in channel-height-width order, every value multiplied by {@code scale}.
     * The image's own statistics are computed first and merged, which keeps the update cheap.
     */
    public ChannelStats add(float[] chw, double scale) {
        int channels = count.length;
        if (chw.length % channels != 0) {
            throw new IllegalArgumentException("image of " + chw.length + " values cannot be split into "
                + channels + " channel planes");
        }
        int plane = chw.length / channels;
        for (int c = 0; c < channels; c++) {
            double sum = 0;
            int off = c * plane;
            for (int i = 0; i < plane; i++) {
                sum += chw[off + i] * scale;
            }
            double m = sum / plane;
            double sq = 0;
            for (int i = 0; i < plane; i++) {
                double d = chw[off + i] * scale - m;
                sq += d * d;
            }
            merge(c, plane, m, sq);
        }
        return this;
    }

    /** Merges another partial result into this one. */
    public ChannelStats merge(ChannelStats other) {
        if (other.channels() != channels()) {
            throw new IllegalArgumentException("cannot merge statistics of " + other.channels()
                + " channels into statistics of " + channels());
        }
        for (int c = 0; c < count.length; c++) {
            merge(c, other.count[c], other.mean[c], other.m2[c]);
        }
        return this;
    }

    private void merge(int c, long nB, double meanB, double m2B) {
        if (nB == 0) {
            return;
        }
        long nA = count[c];
        long n = nA + nB;
        double delta = meanB - mean[c];
        mean[c] += delta * nB / n;
        m2[c] += m2B + delta * delta * ((double) nA * nB / n);
        count[c] = n;
    }

    public long count(int channel) {
        return count[channel];
    }

    public double[] mean() {
        return mean.clone();
    }

    /** Population standard deviation per channel. */
    public double[] std() {
        double[] s = new double[count.length];
        for (int c = 0; c < s.length; c++) {
            s[c] = count[c] == 0 ? Double.NaN : Math.sqrt(m2[c] / count[c]);
        }
        return s;
    }
}
