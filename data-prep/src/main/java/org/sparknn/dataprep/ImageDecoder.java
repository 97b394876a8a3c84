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
 * Images of another size are resized bilinearly only when asked, else rejected.
 */
public final class ImageDecoder implements Serializable {
    private final int height;
    private final int width;
    private final int channels;
    private final boolean resize;

    public ImageDecoder(int height, int width, int channels, boolean resize) {
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
        if (!sameSize && !resize) {
            return "image is " + h + "x" + w + " (height x width), expected " + height + "x" + width
                + "; pass --resize to resize it";
        }
        float[] planes = sameSize ? out : new float[channels * h * w];
        toPlanes(h, w, nChannels, data, planes);
        if (!sameSize) {
            for (int c = 0; c < channels; c++) {
                resizeBilinear(planes, c * h * w, h, w, out, c * height * width, height, width);
            }
        }
        return null;
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

    /** Bilinear resampling with pixel centers aligned (as OpenCV's INTER_LINEAR). */
    static void resizeBilinear(float[] src, int srcOff, int sh, int sw, float[] dst, int dstOff, int dh, int dw) {
        double sy = (double) sh / dh;
        double sx = (double) sw / dw;
        for (int y = 0; y < dh; y++) {
            double fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), sh - 1);
            int y0 = (int) fy;
            int y1 = Math.min(y0 + 1, sh - 1);
            double wy = fy - y0;
            for (int x = 0; x < dw; x++) {
                double fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), sw - 1);
                int x0 = (int) fx;
                int x1 = Math.min(x0 + 1, sw - 1);
                double wx = fx - x0;
                double top = src[srcOff + y0 * sw + x0] * (1 - wx) + src[srcOff + y0 * sw + x1] * wx;
                double bottom = src[srcOff + y1 * sw + x0] * (1 - wx) + src[srcOff + y1 * sw + x1] * wx;
                dst[dstOff + y * dw + x] = (float) (top * (1 - wy) + bottom * wy);
            }
        }
    }
}
