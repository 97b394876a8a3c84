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
 *
 * <p>When a max pooling follows, the network runs the two as one ({@link #trainPooled},
 * {@link #backwardPooled}): each example's full-size output lives only in a per-example buffer
 * while it is pooled, and its gradient is rebuilt there from the pooled one. A batch's
 * convolution outputs are several times larger than the cache; writing them out and reading them
 * back in each pass made memory, not arithmetic, the bound.
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

    /** The window geometry: kernel, stride and padding, input and output sizes. */
    public Im2col geometry() {
        return geo;
    }

    public int filters() {
        return filters;
    }

    /** Whether a ReLU is fused into the output. */
    public boolean fusedRelu() {
        return relu;
    }

    /**
     * One example's column matrix and its gradient; one example's output and output gradient, for
     * the pooled passes.
     */
    private record Buffers(float[] col, float[] dcol, float[] one, float[] dOne) implements Scratch {
    }

    @Override
    public Scratch scratch(int maxBatch) {
        int n = geo.rows() * geo.outPixels();
        return new Buffers(new float[n], new float[n], new float[out.size()], new float[out.size()]);
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
        checkPool(pool);
        Buffers buf = (Buffers) s;
        int inSize = in.size();
        int pooledSize = pool.outputShape().size();
        for (int b = 0; b < batch; b++) {
            example(p, pOff, x, b * inSize, buf.col, buf.one, 0);
            pool.maxInto(buf.one, 0, y, b * pooledSize, filters);
        }
    }

    /**
     * Training pass of this layer and the max pooling that follows it, example by example: only
     * the pooled values reach {@code y}, and the pooling records where each maximum was in
     * {@code poolScratch} for {@link #backwardPooled}. The same values as the two layers' forward
     * passes one after the other.
     */
    public void trainPooled(float[] p, int pOff, float[] x, float[] y, int batch, Scratch s, MaxPool2D pool,
                            Scratch poolScratch) {
        checkPool(pool);
        Buffers buf = (Buffers) s;
        int inSize = in.size();
        for (int b = 0; b < batch; b++) {
            example(p, pOff, x, b * inSize, buf.col, buf.one, 0);
            pool.poolExample(buf.one, y, b, poolScratch);
        }
    }

    /**
     * Backward pass of {@link #trainPooled}: per example, the pooling's gradient is routed back
     * to the maxima (through the fused ReLU: a maximum that is not positive passes nothing), then
     * this layer's backward pass runs on that example. The same gradients, to the bit, as the two
     * layers' backward passes one after the other.
     *
     * @param pooled  the pooled values {@link #trainPooled} wrote
     * @param dPooled their gradient
     */
    public void backwardPooled(float[] p, int pOff, float[] g, float[] x, float[] pooled, float[] dPooled, float[] dx,
                               int batch, Scratch s, MaxPool2D pool, Scratch poolScratch) {
        checkPool(pool);
        Buffers buf = (Buffers) s;
        int inSize = in.size();
        if (dx != null) {
            Arrays.fill(dx, 0, batch * inSize, 0f);
        }
        for (int b = 0; b < batch; b++) {
            Arrays.fill(buf.dOne, 0f);
            pool.routeExample(pooled, dPooled, b, poolScratch, relu, buf.dOne);
            backExample(p, pOff, g, x, b * inSize, buf.dOne, 0, dx, buf);
        }
    }

    private void checkPool(MaxPool2D pool) {
        if (!pool.inputShape().equals(out)) {
            throw new IllegalArgumentException(pool.name() + " takes " + pool.inputShape() + ", not " + name + "'s " + out);
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
        int inSize = in.size();
        int outSize = out.size();
        if (dx != null) {
            Arrays.fill(dx, 0, batch * inSize, 0f);
        }
        for (int b = 0; b < batch; b++) {
            int o = b * outSize;
            if (relu) {
                Activation.maskByPositive(dy, y, o, outSize);
            }
            backExample(p, pOff, g, x, b * inSize, dy, o, dx, buf);
        }
    }

    /**
     * One example's share of the backward pass from its output gradient {@code dy[o]} (after the
     * ReLU's mask): bias and weight gradients, and the input gradient added into {@code dx} at the
     * example's place unless {@code dx} is null.
     */
    private void backExample(float[] p, int pOff, float[] g, float[] x, int xOff, float[] dy, int o, float[] dx,
                             Buffers buf) {
        int ohw = geo.outPixels();
        int k = geo.rows();
        int bOff = pOff + weightCount();
        for (int f = 0; f < filters; f++) {
            g[bOff + f] += sum(dy, o + f * ohw, ohw);
        }
        geo.im2col(x, xOff, buf.col, ohw, 0);
        // dW[F x K] += dy_b[F x OHW] col_b^T[OHW x K]
        blas.gemm(false, true, filters, k, ohw, 1f, dy, o, ohw, buf.col, 0, ohw, 1f, g, pOff, k);
        if (dx != null) {
            // dcol[K x OHW] = W^T[K x F] dy_b[F x OHW]
            blas.gemm(true, false, k, ohw, filters, 1f, p, pOff, k, dy, o, ohw, 0f, buf.dcol, 0, ohw);
            geo.col2im(buf.dcol, ohw, 0, dx, xOff);
        }
    }

    /**
     * Sum of {@code n} values in a fixed order: eight running sums over interleaved elements, then
     * those added pairwise. Eight independent additions per round keep the adder busy, where one
     * running sum waits on each addition in turn.
     */
    static float sum(float[] v, int off, int n) {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f, s4 = 0f, s5 = 0f, s6 = 0f, s7 = 0f;
        int i = off;
        int end = off + n;
        for (; i + 8 <= end; i += 8) {
            s0 += v[i];
            s1 += v[i + 1];
            s2 += v[i + 2];
            s3 += v[i + 3];
            s4 += v[i + 4];
            s5 += v[i + 5];
            s6 += v[i + 6];
            s7 += v[i + 7];
        }
        for (; i < end; i++) {
            s0 += v[i];
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }
}
