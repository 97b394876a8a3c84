package org.sparknn.dataset;

import java.io.Serializable;
import org.sparknn.nn.spec.Normalization;

/**
 * The normalized value of every 8-bit pixel value of every channel: {@link FeatureEncoding#uint8}
 * features become model inputs by table lookup. The table is made by {@link Normalization#applyInPlace}
 * itself, so a lookup gives exactly the float it computes.
 */
public final class PixelTable implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Values of channel {@code c}: {@code table[c * 256 .. c * 256 + 255]}. */
    private final float[] table;
    private final int channels;

    public PixelTable(Normalization normalization, int channels) {
        if (channels <= 0) {
            throw new IllegalArgumentException("channels must be positive, got " + channels);
        }
        float[] t = new float[channels * 256];
        for (int i = 0; i < t.length; i++) {
            t[i] = i & 0xFF;
        }
        normalization.applyInPlace(t, channels); // one plane of 256 values per channel
        this.table = t;
        this.channels = channels;
    }

    /** The table of a dataset stored as {@link FeatureEncoding#uint8}. */
    public static PixelTable of(DatasetMetadata meta) {
        return new PixelTable(meta.normalization(), meta.channels());
    }

    /**
     * Writes the normalized values of {@code pixels} (channel-height-width) to {@code dst} from
     * {@code offset}.
     *
     * @throws IllegalArgumentException when the pixel count is not a multiple of the channel count
     */
    public void decode(byte[] pixels, float[] dst, int offset) {
        decode(pixels, 0, pixels.length, dst, offset);
    }

    /**
     * Writes the normalized values of the {@code count} pixels of one image at {@code src[from ..]}
     * (channel-height-width) to {@code dst} from {@code offset}.
     *
     * @throws IllegalArgumentException when the pixel count is not a multiple of the channel count
     */
    public void decode(byte[] src, int from, int count, float[] dst, int offset) {
        if (count % channels != 0) {
            throw new IllegalArgumentException(count + " pixel values cannot be " + channels
                + " channel planes of equal size");
        }
        int plane = count / channels;
        for (int c = 0, i = 0; c < channels; c++) {
            int base = c << 8;
            for (int end = i + plane; i < end; i++) {
                dst[offset + i] = table[base | (src[from + i] & 0xFF)];
            }
        }
    }

    /** The normalized values of {@code pixels}. */
    public float[] decode(byte[] pixels) {
        float[] x = new float[pixels.length];
        decode(pixels, x, 0);
        return x;
    }
}
