package org.sparknn.nn.train;

import java.io.Serializable;
import java.util.SplittableRandom;
import org.sparknn.nn.layer.Shape;

/**
 * Random shifts and small rotations of training images, drawn per example from a seed, applied
 * to channel-height-width values by inverse mapping with bilinear sampling; pixels from outside
 * the image take each channel's fill value (the normalized value of a black pixel).
 *
 * @param maxShift   largest shift in pixels, each direction independently uniform in [-max, max]
 * @param maxDegrees largest rotation, uniform in [-max, max] degrees about the image center
 * @param fill       per-channel value of pixels from outside the image, or null for 0
 */
public record Augmentation(int maxShift, double maxDegrees, float[] fill) implements Serializable {
    public static final Augmentation NONE = new Augmentation(0, 0, null);

    public Augmentation {
        if (maxShift < 0 || !(maxDegrees >= 0 && maxDegrees <= 180)) {
            throw new IllegalArgumentException("augmentation needs a shift >= 0 and rotation in [0, 180] degrees, got "
                + maxShift + " and " + maxDegrees);
        }
    }

    @Override
    public String toString() {
        return "Augmentation[maxShift=" + maxShift + ", maxDegrees=" + maxDegrees + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Augmentation a && a.maxShift == maxShift && a.maxDegrees == maxDegrees
            && java.util.Arrays.equals(a.fill, fill);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(maxShift, maxDegrees, java.util.Arrays.hashCode(fill));
    }

    public boolean active() {
        return maxShift > 0 || maxDegrees > 0;
    }

    /**
     * Augments one example at {@code x[off]} in place.
     *
     * @param scratch at least {@code shape.size()} floats
     */
    public void apply(float[] x, int off, Shape shape, long seed, float[] scratch) {
        if (fill != null && fill.length != shape.channels()) {
            throw new IllegalArgumentException("augmentation fill has " + fill.length + " values for " + shape.channels()
                + " channels");
        }
        SplittableRandom rng = new SplittableRandom(seed);
        int dx = maxShift == 0 ? 0 : rng.nextInt(-maxShift, maxShift + 1);
        int dy = maxShift == 0 ? 0 : rng.nextInt(-maxShift, maxShift + 1);
        double degrees = maxDegrees == 0 ? 0 : (rng.nextDouble() * 2 - 1) * maxDegrees;
        transform(x, off, shape, fill, dx, dy, degrees, scratch);
    }

    /**
     * Shifts by (dx, dy) pixels (right, down) and rotates by {@code degrees} counter-clockwise, in
     * place; {@code fill} null means 0 for every channel.
     */
    static void transform(float[] x, int off, Shape shape, float[] fill, int dx, int dy, double degrees, float[] scratch) {
        if (degrees == 0) {
            shift(x, off, shape, fill, dx, dy, scratch);
        } else {
            bilinear(x, off, shape, fill, dx, dy, degrees, scratch);
        }
    }

    /**
     * A whole-pixel shift: row copies. The bilinear path samples exactly one source pixel per
     * output pixel for it and gives the same values (tested), at many times the cost.
     */
    static void shift(float[] x, int off, Shape shape, float[] fill, int dx, int dy, float[] scratch) {
        int h = shape.height();
        int w = shape.width();
        int plane = h * w;
        System.arraycopy(x, off, scratch, 0, shape.size());
        // output columns [lo, hi) come from source columns [lo - dx, hi - dx)
        int lo = Math.min(w, Math.max(0, dx));
        int hi = Math.max(lo, Math.min(w, w + dx));
        for (int c = 0; c < shape.channels(); c++) {
            int base = c * plane;
            float f = fill == null ? 0f : fill[c];
            for (int y = 0; y < h; y++) {
                int row = off + base + y * w;
                int sy = y - dy;
                if (sy < 0 || sy >= h) {
                    java.util.Arrays.fill(x, row, row + w, f);
                    continue;
                }
                java.util.Arrays.fill(x, row, row + lo, f);
                if (hi > lo) {
                    System.arraycopy(scratch, base + sy * w + lo - dx, x, row + lo, hi - lo);
                }
                java.util.Arrays.fill(x, row + hi, row + w, f);
            }
        }
    }

    /** Shift and rotation by inverse mapping with bilinear sampling. */
    static void bilinear(float[] x, int off, Shape shape, float[] fill, int dx, int dy, double degrees, float[] scratch) {
        int h = shape.height();
        int w = shape.width();
        int plane = h * w;
        double rad = Math.toRadians(degrees);
        double cos = Math.cos(rad);
        double sin = Math.sin(rad);
        double cy = (h - 1) / 2.0;
        double cx = (w - 1) / 2.0;
        System.arraycopy(x, off, scratch, 0, shape.size());
        for (int c = 0; c < shape.channels(); c++) {
            int base = c * plane;
            float f = fill == null ? 0f : fill[c];
            for (int y = 0; y < h; y++) {
                for (int xx = 0; xx < w; xx++) {
                    // inverse map: undo the shift, then the rotation (image y grows downwards)
                    double u = xx - dx - cx;
                    double v = y - dy - cy;
                    double sx = cos * u - sin * v + cx;
                    double sy = sin * u + cos * v + cy;
                    x[off + base + y * w + xx] = sample(scratch, base, h, w, sx, sy, f);
                }
            }
        }
    }

    private static float sample(float[] src, int base, int h, int w, double sx, double sy, float fill) {
        int x0 = (int) Math.floor(sx);
        int y0 = (int) Math.floor(sy);
        double fx = sx - x0;
        double fy = sy - y0;
        double v00 = at(src, base, h, w, x0, y0, fill);
        double v10 = at(src, base, h, w, x0 + 1, y0, fill);
        double v01 = at(src, base, h, w, x0, y0 + 1, fill);
        double v11 = at(src, base, h, w, x0 + 1, y0 + 1, fill);
        return (float) ((v00 * (1 - fx) + v10 * fx) * (1 - fy) + (v01 * (1 - fx) + v11 * fx) * fy);
    }

    private static float at(float[] src, int base, int h, int w, int x, int y, float fill) {
        return x < 0 || y < 0 || x >= w || y >= h ? fill : src[base + y * w + x];
    }
}
