package org.sparknn.nn.linalg;

/**
 * Geometry of a 2-D convolution or pooling window, and the im2col / col2im transforms that turn a
 * convolution into one matrix product. The column matrix of a batch is row-major
 * {@code [C*kh*kw] x [B*OH*OW]}: row {@code (c, ky, kx)}, column {@code (b, oy, ox)}.
 *
 * @param channels input channels C
 * @param height   input height
 * @param width    input width
 * @param kh       window height
 * @param kw       window width
 * @param stride   stride (both directions)
 * @param padTop   zero rows added above (more may be added below, as TensorFlow's "same")
 * @param padLeft  zero columns added on the left
 * @param outH     output height
 * @param outW     output width
 */
public record Im2col(int channels, int height, int width, int kh, int kw, int stride, int padTop, int padLeft,
                     int outH, int outW) {

    /** Geometry for "valid" (no padding) or "same" (output = ceil(input / stride)) padding. */
    public static Im2col of(int channels, int height, int width, int kh, int kw, int stride, boolean same) {
        int outH;
        int outW;
        int padTop = 0;
        int padLeft = 0;
        if (same) {
            outH = (height + stride - 1) / stride;
            outW = (width + stride - 1) / stride;
            padTop = Math.max((outH - 1) * stride + kh - height, 0) / 2;
            padLeft = Math.max((outW - 1) * stride + kw - width, 0) / 2;
        } else {
            outH = (height - kh) / stride + 1;
            outW = (width - kw) / stride + 1;
        }
        return new Im2col(channels, height, width, kh, kw, stride, padTop, padLeft, outH, outW);
    }

    /** Rows of the column matrix: C*kh*kw. */
    public int rows() {
        return channels * kh * kw;
    }

    public int outPixels() {
        return outH * outW;
    }

    /**
     * Writes example {@code b}'s columns (input at {@code x[xOff]}, C x H x W) into {@code col}, a
     * {@code rows() x ldc} matrix, at column offset {@code b * outPixels()}.
     */
    public void im2col(float[] x, int xOff, float[] col, int ldc, int b) {
        int colBase = b * outPixels();
        int row = 0;
        for (int c = 0; c < channels; c++) {
            int plane = xOff + c * height * width;
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++, row++) {
                    int dst = row * ldc + colBase;
                    // the output columns whose input column is inside the image: [lo, hi)
                    int lo = firstInside(kx - padLeft);
                    int hi = Math.max(lo, lastInside(kx - padLeft));
                    for (int oy = 0; oy < outH; oy++, dst += outW) {
                        int iy = oy * stride + ky - padTop;
                        if (iy < 0 || iy >= height) {
                            java.util.Arrays.fill(col, dst, dst + outW, 0f);
                            continue;
                        }
                        int src = plane + iy * width + kx - padLeft;
                        java.util.Arrays.fill(col, dst, dst + lo, 0f);
                        if (stride == 1) {
                            System.arraycopy(x, src + lo, col, dst + lo, hi - lo);
                        } else {
                            for (int ox = lo; ox < hi; ox++) {
                                col[dst + ox] = x[src + ox * stride];
                            }
                        }
                        java.util.Arrays.fill(col, dst + hi, dst + outW, 0f);
                    }
                }
            }
        }
    }

    /** The first output column whose input column {@code ox * stride + shift} is at least 0. */
    private int firstInside(int shift) {
        if (shift >= 0) {
            return 0;
        }
        return Math.min(outW, (-shift + stride - 1) / stride);
    }

    /** One past the last output column whose input column {@code ox * stride + shift} is below the width. */
    private int lastInside(int shift) {
        // ox * stride + shift <= width - 1  <=>  ox <= (width - 1 - shift) / stride
        int last = width - 1 - shift;
        if (last < 0) {
            return 0;
        }
        return Math.min(outW, last / stride + 1);
    }

    /** Adds example {@code b}'s column gradients back onto the input gradient {@code dx[dxOff]} (which it does not clear). */
    public void col2im(float[] col, int ldc, int b, float[] dx, int dxOff) {
        int colBase = b * outPixels();
        int row = 0;
        for (int c = 0; c < channels; c++) {
            int plane = dxOff + c * height * width;
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++, row++) {
                    int src = row * ldc + colBase;
                    int lo = firstInside(kx - padLeft);
                    int hi = Math.max(lo, lastInside(kx - padLeft));
                    for (int oy = 0; oy < outH; oy++, src += outW) {
                        int iy = oy * stride + ky - padTop;
                        if (iy < 0 || iy >= height) {
                            continue;
                        }
                        int dst = plane + iy * width + kx - padLeft;
                        if (stride == 1) {
                            for (int ox = lo; ox < hi; ox++) {
                                dx[dst + ox] += col[src + ox];
                            }
                        } else {
                            for (int ox = lo; ox < hi; ox++) {
                                dx[dst + ox * stride] += col[src + ox];
                            }
                        }
                    }
                }
            }
        }
    }
}
