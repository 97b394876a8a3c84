package org.sparknn.nn.layer;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.sparknn.nn.linalg.Blas;
import org.sparknn.nn.linalg.Im2col;

/**
 * 2-D convolution over channel-height-width examples, one example at a time as Caffe does:
 * im2col into a small column buffer, then {@code y_b[F x OHW] = W[F x C*kh*kw] col_b[C*kh*kw x OHW]}
 * written straight into the output, then bias and (optionally fused) ReLU while the example is
 * still in cache. Parameters: W row-major {@code F x (C, kh, kw)}, then the bias [F].
 */
public final class Conv2D extends Layer {
    private final Blas blas;
    private final Im2col geo;
    private final int filters;
    private final Init init;
    private final boolean relu;

    /**
     * @param relu fuse a ReLU into the output (the activation then needs no layer of its own)
     */
    public Conv2D(String name, Shape in, int filters, int kh, int kw, int stride, boolean same, Init init, boolean relu,
                  Blas blas) {
        this(name, in, filters, Im2col.of(in.channels(), in.height(), in.width(), kh, kw, stride, same), init, relu, blas);
    }

    private Conv2D(String name, Shape in, int filters, Im2col geo, Init init, boolean relu, Blas blas) {
        super(name, in, new Shape(filters, geo.outH(), geo.outW()));
        if (geo.outH() <= 0 || geo.outW() <= 0) {
            throw new IllegalArgumentException(name + ": no output pixels for input " + in);
        }
        this.blas = blas;
        this.geo = geo;
        this.filters = filters;
        this.init = init;
        this.relu = relu;
    }

    /**
     * One example's column matrix and its gradient; a vector of ones for the bias gradient; one
     * example's output, for {@link #forwardPooled}.
     */
    private record Buffers(float[] col, float[] dcol, float[] ones, float[] one) implements Scratch {
    }

    @Override
    public Scratch scratch(int maxBatch) {
        int n = geo.rows() * geo.outPixels();
        float[] ones = new float[geo.outPixels()];
        Arrays.fill(ones, 1f);
        return new Buffers(new float[n], new float[n], ones, new float[out.size()]);
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
        float[] col = ((Buffers) s).col;
        int inSize = in.size();
        int outSize = out.size();
        for (int b = 0; b < batch; b++) {
            example(p, pOff, x, b * inSize, col, y, b * outSize);
        }
    }

    /**
     * Inference of this layer and the max pooling that follows it, one example at a time: each
     * example's output is pooled while it is still in cache (a batch of 256 MNIST examples' outputs
     * is 22 MB), and only the pooled values are written to {@code y}. The same values as the two
     * layers' forward passes one after the other.
     */
    public void forwardPooled(float[] p, int pOff, float[] x, float[] y, int batch, Scratch s, MaxPool2D pool) {
        if (!pool.inputShape().equals(out)) {
            throw new IllegalArgumentException(pool.name() + " takes " + pool.inputShape() + ", not " + name + "'s " + out);
        }
        Buffers buf = (Buffers) s;
        int inSize = in.size();
        int pooledSize = pool.outputShape().size();
        for (int b = 0; b < batch; b++) {
            example(p, pOff, x, b * inSize, buf.col, buf.one, 0);
            pool.maxInto(buf.one, 0, y, b * pooledSize, filters);
        }
    }

    /** One example: im2col, {@code W col}, bias and the fused ReLU, into {@code y[yOff]}. */
    private void example(float[] p, int pOff, float[] x, int xOff, float[] col, float[] y, int yOff) {
        int ohw = geo.outPixels();
        int k = geo.rows();
        int bOff = pOff + weightCount();
        geo.im2col(x, xOff, col, ohw, 0);
        blas.gemm(false, false, filters, ohw, k, 1f, p, pOff, k, col, 0, ohw, 0f, y, yOff, ohw);
        for (int f = 0; f < filters; f++) {
            float bias = p[bOff + f];
            int o = yOff + f * ohw;
            if (relu) {
                for (int i = o; i < o + ohw; i++) {
                    y[i] = Math.max(y[i] + bias, 0f); // branch-free: signs are unpredictable
                }
            } else {
                for (int i = o; i < o + ohw; i++) {
                    y[i] += bias;
                }
            }
        }
    }

    /** Overwrites {@code dy} with the gradient before the fused ReLU. */
    @Override
    public void backward(float[] p, int pOff, float[] g, float[] x, float[] y, float[] dy, float[] dx, int batch,
                         Scratch s) {
        Buffers buf = (Buffers) s;
        int ohw = geo.outPixels();
        int k = geo.rows();
        int inSize = in.size();
        int outSize = out.size();
        int bOff = pOff + weightCount();
        if (dx != null) {
            Arrays.fill(dx, 0, batch * inSize, 0f);
        }
        for (int b = 0; b < batch; b++) {
            int o = b * outSize;
            if (relu) {
                Activation.maskByPositive(dy, y, o, outSize);
            }
            // db[F] += dy_b[F x OHW] ones[OHW]
            blas.gemm(false, false, filters, 1, ohw, 1f, dy, o, ohw, buf.ones, 0, 1, 1f, g, bOff, 1);
            geo.im2col(x, b * inSize, buf.col, ohw, 0);
            // dW[F x K] += dy_b[F x OHW] col_b^T[OHW x K]
            blas.gemm(false, true, filters, k, ohw, 1f, dy, o, ohw, buf.col, 0, ohw, 1f, g, pOff, k);
            if (dx != null) {
                // dcol[K x OHW] = W^T[K x F] dy_b[F x OHW]
                blas.gemm(true, false, k, ohw, filters, 1f, p, pOff, k, dy, o, ohw, 0f, buf.dcol, 0, ohw);
                geo.col2im(buf.dcol, ohw, 0, dx, b * inSize);
            }
        }
    }
}
