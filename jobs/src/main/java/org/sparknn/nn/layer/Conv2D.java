package org.sparknn.nn.layer;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.sparknn.nn.linalg.Blas;
import org.sparknn.nn.linalg.Im2col;

/**
 * 2-D convolution over channel-height-width examples by im2col and one GEMM per batch:
 * {@code Y[F x B*OHW] = W[F x C*kh*kw] col[C*kh*kw x B*OHW]}, then bias and scatter into
 * per-example F x OH x OW. Parameters: W row-major {@code F x (C, kh, kw)}, then the bias [F].
 */
public final class Conv2D extends Layer {
    private final Blas blas;
    private final Im2col geo;
    private final int filters;
    private final Init init;

    public Conv2D(String name, Shape in, int filters, int kh, int kw, int stride, boolean same, Init init, Blas blas) {
        this(name, in, filters, Im2col.of(in.channels(), in.height(), in.width(), kh, kw, stride, same), init, blas);
    }

    private Conv2D(String name, Shape in, int filters, Im2col geo, Init init, Blas blas) {
        super(name, in, new Shape(filters, geo.outH(), geo.outW()));
        this.blas = blas;
        this.geo = geo;
        this.filters = filters;
        this.init = init;
    }

    private record Buffers(float[] col, float[] yt, float[] dcol) implements Scratch {
    }

    @Override
    public Scratch scratch(int maxBatch) {
        int n = maxBatch * geo.outPixels();
        return new Buffers(new float[geo.rows() * n], new float[filters * n], new float[geo.rows() * n]);
    }

    @Override
    public int paramCount() {
        return filters * geo.rows() + filters;
    }

    @Override
    public int weightCount() {
        return filters * geo.rows();
    }

    @Override
    public long forwardMacs() {
        return (long) filters * geo.rows() * geo.outPixels();
    }

    @Override
    public void init(float[] params, int off, SplittableRandom rng) {
        int k = geo.kh() * geo.kw();
        init.fill(params, off, filters * geo.rows(), geo.channels() * k, filters * k, rng);
        Arrays.fill(params, off + weightCount(), off + paramCount(), 0f);
    }

    @Override
    public void forward(float[] p, int pOff, float[] x, float[] y, int batch, Scratch s, boolean training, long seed) {
        Buffers buf = (Buffers) s;
        int ohw = geo.outPixels();
        int n = batch * ohw;
        int k = geo.rows();
        int inSize = in.size();
        for (int b = 0; b < batch; b++) {
            geo.im2col(x, b * inSize, buf.col, n, b);
        }
        blas.gemm(false, false, filters, n, k, 1f, p, pOff, k, buf.col, 0, n, 0f, buf.yt, 0, n);
        int bOff = pOff + weightCount();
        int outSize = out.size();
        for (int f = 0; f < filters; f++) {
            float bias = p[bOff + f];
            for (int b = 0; b < batch; b++) {
                int src = f * n + b * ohw;
                int dst = b * outSize + f * ohw;
                for (int i = 0; i < ohw; i++) {
                    y[dst + i] = buf.yt[src + i] + bias;
                }
            }
        }
    }

    @Override
    public void backward(float[] p, int pOff, float[] g, float[] x, float[] y, float[] dy, float[] dx, int batch,
                         Scratch s) {
        Buffers buf = (Buffers) s;
        int ohw = geo.outPixels();
        int n = batch * ohw;
        int k = geo.rows();
        int outSize = out.size();
        int bOff = pOff + weightCount();
        float[] dyt = buf.yt; // the forward's product is no longer needed
        for (int f = 0; f < filters; f++) {
            float db = 0;
            for (int b = 0; b < batch; b++) {
                int src = b * outSize + f * ohw;
                int dst = f * n + b * ohw;
                for (int i = 0; i < ohw; i++) {
                    float v = dy[src + i];
                    dyt[dst + i] = v;
                    db += v;
                }
            }
            g[bOff + f] += db;
        }
        // dW[F x K] += dY[F x N] col^T[N x K]
        blas.gemm(false, true, filters, k, n, 1f, dyt, 0, n, buf.col, 0, n, 1f, g, pOff, k);
        if (dx != null) {
            // dcol[K x N] = W^T[K x F] dY[F x N]
            blas.gemm(true, false, k, n, filters, 1f, p, pOff, k, dyt, 0, n, 0f, buf.dcol, 0, n);
            int inSize = in.size();
            Arrays.fill(dx, 0, batch * inSize, 0f);
            for (int b = 0; b < batch; b++) {
                geo.col2im(buf.dcol, n, b, dx, b * inSize);
            }
        }
    }
}
