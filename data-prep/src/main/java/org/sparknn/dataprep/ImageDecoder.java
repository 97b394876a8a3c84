package org.sparknn.dataprep;

import java.io.Serializable;

/**
 * Turns one decoded image as Spark's {@code image} data source holds it (height, width, channel
 * count, bytes in row-major order with interleaved BGR or BGRA channels) into raw pixel values
 * 0..255 of the target shape in channel-height-width order with channels R, G, B.
 *
 * <p>Grayscale images in an RGB dataset are replicated to three channels; color images in a
 * grayscale dataset are converted with the ITU-R BT.601 luma weights (0.299 R + 0.587 G + 0.114 B)
 * rounded to a whole 8-bit value exactly as Pillow's {@code convert("L")} rounds it, so a
 * grayscale dataset stays 8-bit pixels whatever its images are; an alpha channel is ignored.
 * Images of another size are resized only when asked, else rejected: converted to the target
 * channels first, then resized by {@link Resample} with an antialiasing filter, to the byte of
 * Pillow's {@code convert(mode).resize(size, filter)}, so resized pixels stay 8-bit values.
 */
public final class ImageDecoder implements Serializable {
    private final int height;
    private final int width;
    private final int channels;
    /** How images of another size are resized; null: they are rejected. */
    private final Resample.Filter resize;

    /** A decoder that resizes (with {@link Resample.Filter#LANCZOS}) when {@code resize} is true. */
    public ImageDecoder(int height, int width, int channels, boolean resize) {
        this(height, width, channels, resize ? Resample.Filter.LANCZOS : null);
    }

    /** A decoder that resizes images of another size with {@code resize}, or rejects them when it is null. */
    public ImageDecoder(int height, int width, int channels, Resample.Filter resize) {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("target image size must be positive, got " + height + "x" + width);
        }
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("target channels must be 1 (grayscale) or 3 (RGB), got " + channels);
        }
        this.height = height;
        this.width = width;
        this.channels = channels;
        this.resize = resize;
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    public int channels() {
        return channels;
    }

    public int featureLength() {
        return channels * height * width;
    }

    /**
     * Decodes into {@code out} (length {@link #featureLength()}).
     *
     * @return null on success, else why the image cannot be used
     */
    public String decode(int h, int w, int nChannels, byte[] data, float[] out) {
        if (h <= 0 || w <= 0 || data == null || data.length == 0) {
            return "not a decodable image (PNG or JPEG expected)";
        }
        if (nChannels != 1 && nChannels != 3 && nChannels != 4) {
            return "image has " + nChannels + " channels, expected 1, 3 or 4";
        }
        if ((long) h * w * nChannels != data.length) {
            return "image data has " + data.length + " bytes, expected " + ((long) h * w * nChannels) + " for "
                + h + "x" + w + "x" + nChannels;
        }
        boolean sameSize = h == height && w == width;
        if (!sameSize && resize == null) {
            return "image is " + h + "x" + w + " (height x width), expected " + height + "x" + width
                + "; pass --resize to resize it";
        }
        if (sameSize) {
            toPlanes(h, w, nChannels, data, out);
            return null;
        }
        byte[] resized = Resample.resize(converted(h, w, nChannels, data), h, w, channels, height, width, resize);
        int n = height * width;
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < channels; c++) {
                out[c * n + i] = resized[i * channels + c] & 0xFF;
            }
        }
        return null;
    }

    /**
     * Interleaved B,G,R[,A] or gray bytes in the target channels, interleaved R,G,B or gray (what
     * Pillow's {@code convert("RGB")} or {@code convert("L")} gives).
     */
    private byte[] converted(int h, int w, int nChannels, byte[] data) {
        int n = h * w;
        byte[] out = new byte[n * channels];
        for (int i = 0; i < n; i++) {
            if (nChannels == 1) {
                for (int c = 0; c < channels; c++) {
                    out[i * channels + c] = data[i];
                }
                continue;
            }
            int p = i * nChannels;
            int b = data[p] & 0xFF;
            int g = data[p + 1] & 0xFF;
            int r = data[p + 2] & 0xFF;
            if (channels == 3) {
                out[i * 3] = (byte) r;
                out[i * 3 + 1] = (byte) g;
                out[i * 3 + 2] = (byte) b;
            } else {
                out[i] = (byte) luma(r, g, b);
            }
        }
        return out;
    }

    /** Interleaved B,G,R[,A] or gray bytes to R,G,B (or gray) planes of the source size. */
    private void toPlanes(int h, int w, int nChannels, byte[] data, float[] planes) {
        int n = h * w;
        if (nChannels == 1) {
            for (int i = 0; i < n; i++) {
                float v = data[i] & 0xFF;
                for (int c = 0; c < channels; c++) {
                    planes[c * n + i] = v;
                }
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            int p = i * nChannels;
            int b = data[p] & 0xFF;
            int g = data[p + 1] & 0xFF;
            int r = data[p + 2] & 0xFF;
            if (channels == 3) {
                planes[i] = r;
                planes[n + i] = g;
                planes[2 * n + i] = b;
            } else {
                planes[i] = luma(r, g, b);
            }
        }
    }

    /** BT.601 luma of an 8-bit RGB pixel in 16-bit fixed point, rounded half up (Pillow's L24). */
    static int luma(int r, int g, int b) {
        return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16;
    }
}
