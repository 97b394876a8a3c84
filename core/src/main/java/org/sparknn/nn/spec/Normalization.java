package org.sparknn.nn.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.io.Serializable;
import java.util.Arrays;

/**
 * How raw pixel values become model inputs: {@code x = (raw * scale - mean[c]) / std[c]} for a
 * value of channel {@code c}. Without standardization {@code mean} and {@code std} are null and
 * the transform is the scaling alone. Computed once on the training split and then applied
 * unchanged to validation, test and scoring data.
 *
 * @param scale multiplier applied to raw values first (1/255 for 8-bit pixels)
 * @param mean  per-channel mean of the scaled training values, or null
 * @param std   per-channel standard deviation of the scaled training values, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Normalization(double scale, double[] mean, double[] std) implements Serializable {

    /** Scaling of 8-bit pixels to [0, 1]. */
    public static final double PIXEL_SCALE = 1.0 / 255.0;

    public Normalization {
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("normalization scale must be a positive finite number, got " + scale);
        }
        if ((mean == null) != (std == null)) {
            throw new IllegalArgumentException("normalization needs both mean and std, or neither");
        }
        if (mean != null) {
            if (mean.length != std.length || mean.length == 0) {
                throw new IllegalArgumentException("normalization mean and std must have one value per channel, got "
                    + mean.length + " means and " + std.length + " stds");
            }
            for (int c = 0; c < std.length; c++) {
                if (!(std[c] > 0) || !Double.isFinite(mean[c])) {
                    throw new IllegalArgumentException("channel " + c + " has mean " + mean[c] + " and std " + std[c]
                        + ": standardization needs a finite mean and a positive std (is the channel constant?)");
                }
            }
            mean = mean.clone();
            std = std.clone();
        }
    }

    /** Scaling only. */
    public static Normalization scaleOnly(double scale) {
        return new Normalization(scale, null, null);
    }

    public boolean standardized() {
        return mean != null;
    }

    /** This scaling with the given per-channel statistics. */
    public Normalization withStatistics(double[] channelMean, double[] channelStd) {
        return new Normalization(scale, channelMean, channelStd);
    }

    /**
     * Normalizes {@code raw} (channel-height-width order, {@code channels} planes) in place.
     *
     * @throws IllegalArgumentException when the channel count disagrees with the statistics
     */
    public void applyInPlace(float[] raw, int channels) {
        if (mean == null) {
            float s = (float) scale;
            for (int i = 0; i < raw.length; i++) {
                raw[i] *= s;
            }
            return;
        }
        if (channels != mean.length) {
            throw new IllegalArgumentException("normalization has statistics for " + mean.length
                + " channel(s) but the image has " + channels);
        }
        int plane = raw.length / channels;
        for (int c = 0; c < channels; c++) {
            double m = mean[c];
            double inv = 1.0 / std[c];
            int end = (c + 1) * plane;
            for (int i = c * plane; i < end; i++) {
                raw[i] = (float) ((raw[i] * scale - m) * inv);
            }
        }
    }

    /** Undoes {@link #applyInPlace}: turns normalized values back into raw ones, in place. */
    public void invertInPlace(float[] x, int channels) {
        if (mean == null) {
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (x[i] / scale);
            }
            return;
        }
        if (channels != mean.length) {
            throw new IllegalArgumentException("normalization has statistics for " + mean.length
                + " channel(s) but the image has " + channels);
        }
        int plane = x.length / channels;
        for (int c = 0; c < channels; c++) {
            int end = (c + 1) * plane;
            for (int i = c * plane; i < end; i++) {
                x[i] = (float) ((x[i] * std[c] + mean[c]) / scale);
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Normalization n && n.scale == scale && Arrays.equals(n.mean, mean) && Arrays.equals(n.std, std);
    }

    @Override
    public int hashCode() {
        return Double.hashCode(scale) * 31 + Arrays.hashCode(mean) * 17 + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return standardized()
            ? "scale " + scale + ", mean " + Arrays.toString(mean) + ", std " + Arrays.toString(std)
            : "scale " + scale;
    }
}
