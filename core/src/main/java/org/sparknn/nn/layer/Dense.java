package org.sparknn.nn.layer;

import java.util.SplittableRandom;
import org.sparknn.nn.linalg.Blas;

/**
 * Fully connected: {@code y[B x units] = x[B x in] W[in x units] + b[units]}. Parameters: the
 * kernel W row-major {@code in x units} (Keras' layout), then the bias.
 */
public final class Dense extends Layer {
    private final Blas blas;
    private final int nIn;
    private final int units;
    private final Init init;

    public Dense(String name, Shape in, int units, Init init, Blas blas) {
        super(name, in, Shape.flat(units));
        this.blas = blas;
        this.nIn = in.size();
        this.units = units;
        this.init = init;
    }

    public int units() {
        return units;
    }

    @Override
    public int paramCount() {
        return nIn * units + units;
    }

    @Override
    public int weightCount() {
        return nIn * units;
    }

    @Override
    public long forwardMacs() {
        return (long) nIn * units;
    }

    @Override
    public void init(float[] params, int off, SplittableRandom rng) {
        init.fill(params, off, nIn * units, nIn, units, rng);
        java.util.Arrays.fill(params, off + nIn * units, off + paramCount(), 0f);
    }

    @Override
    public void forward(float[] p, int pOff, float[] x, float[] y, int batch, Scratch s, boolean training, long seed) {
        int bOff = pOff + nIn * units;
        for (int r = 0; r < batch; r++) {
            System.arraycopy(p, bOff, y, r * units, units);
        }
        blas.gemm(false, false, batch, units, nIn, 1f, x, 0, nIn, p, pOff, units, 1f, y, 0, units);
    }

    @Override
    public void backward(float[] p, int pOff, float[] g, float[] x, float[] y, float[] dy, float[] dx, int batch,
                         Scratch s) {
        // dW[in x units] += x^T[in x B] dy[B x units]
        blas.gemm(true, false, nIn, units, batch, 1f, x, 0, nIn, dy, 0, units, 1f, g, pOff, units);
        int bOff = pOff + nIn * units;
        for (int r = 0; r < batch; r++) {
            int row = r * units;
            for (int j = 0; j < units; j++) {
                g[bOff + j] += dy[row + j];
            }
        }
        if (dx != null) {
            // dx[B x in] = dy[B x units] W^T[units x in]
            blas.gemm(false, true, batch, nIn, units, 1f, dy, 0, units, p, pOff, units, 0f, dx, 0, nIn);
        }
    }
}
