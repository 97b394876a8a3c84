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
                    for (int oy = 0; oy < outH; oy++) {
                        int iy = oy * stride + ky - padTop;
                        if (iy < 0 || iy >= height) {
                            for (int ox = 0; ox < outW; ox++) {
                                col[dst++] = 0f;
                            }
                            continue;
                        }
                        int src = plane + iy * width;
                        for (int ox = 0; ox < outW; ox++) {
                            int ix = ox * stride + kx - padLeft;
                            col[dst++] = ix >= 0 && ix < width ? x[src + ix] : 0f;
                        }
                    }
                }
            }
        }
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
                    for (int oy = 0; oy < outH; oy++) {
                        int iy = oy * stride + ky - padTop;
                        if (iy < 0 || iy >= height) {
                            src += outW;
                            continue;
                        }
                        int dst = plane + iy * width;
                        for (int ox = 0; ox < outW; ox++, src++) {
                            int ix = ox * stride + kx - padLeft;
                            if (ix >= 0 && ix < width) {
                                dx[dst + ix] += col[src];
                            }
                        }
                    }
                }
            }
        }
    }
}
