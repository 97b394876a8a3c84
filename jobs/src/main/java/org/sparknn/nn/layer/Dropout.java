package org.sparknn.nn.layer;

import java.util.SplittableRandom;

/**
 * Inverted dropout: while training each value is kept with probability {@code 1 - rate} and
 * scaled by {@code 1 / (1 - rate)}; at inference it is the identity. The mask of a batch comes
 * from the seed the network passes, so a batch is reproducible.
 */
public final class Dropout extends Layer {
    private final float rate;

    public Dropout(String name, Shape in, float rate) {
        super(name, in, in);
        this.rate = rate;
    }

    private record Mask(float[] scale) implements Scratch {
    }

    @Override
    public Scratch scratch(int maxBatch) {
        return new Mask(new float[maxBatch * in.size()]);
    }

    @Override
    public void forward(float[] p, int pOff, float[] x, float[] y, int batch, Scratch s, boolean training, long seed) {
        int n = batch * in.size();
        float[] mask = ((Mask) s).scale;
        if (!training || rate == 0f) {
            System.arraycopy(x, 0, y, 0, n);
            java.util.Arrays.fill(mask, 0, n, 1f);
            return;
        }
        SplittableRandom rng = new SplittableRandom(seed);
        float keep = 1f / (1f - rate);
        for (int i = 0; i < n; i++) {
            float m = rng.nextFloat() >= rate ? keep : 0f;
            mask[i] = m;
            y[i] = x[i] * m;
        }
    }

    @Override
    public void backward(float[] p, int pOff, float[] g, float[] x, float[] y, float[] dy, float[] dx, int batch,
                         Scratch s) {
        if (dx == null) {
            return;
        }
        float[] mask = ((Mask) s).scale;
        int n = batch * in.size();
        for (int i = 0; i < n; i++) {
            dx[i] = dy[i] * mask[i];
        }
    }
}
