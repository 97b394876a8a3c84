package org.sparknn.nn.layer;

/**
 * Inverted dropout: while training each value is kept with probability {@code 1 - rate} and
 * scaled by {@code 1 / (1 - rate)}; at inference it is the identity. The mask of a batch comes
 * from the seed the network passes, so a batch is reproducible.
 */
public final class Dropout extends Layer {
    private final float rate;

    public Dropout(String name, Shape in, float rate) {
        super(name, in, in);
        if (!(rate >= 0f && rate < 1f)) {
            throw new IllegalArgumentException(name + ": dropout rate must be in [0, 1), got " + rate);
        }
        this.rate = rate;
    }

    private record Mask(float[] scale) implements Scratch {
    }

    @Override
    public Scratch scratch(int maxBatch) {
        return new Mask(new float[maxBatch * in.size()]);
    }

    @Override
    public boolean identityAtInference() {
        return true;
    }

    @Override
    public void forward(float[] p, int pOff, float[] x, float[] y, int batch, Scratch s, boolean training, long seed) {
        int n = batch * in.size();
        float[] mask = ((Mask) s).scale;
        if (!training || rate == 0f) {
            System.arraycopy(x, 0, y, 0, n);
            if (training) {
                java.util.Arrays.fill(mask, 0, n, 1f); // for the backward pass
            }
            return;
        }
        // 16 random bits per value from an inline SplitMix64 stream: 4 values per 64-bit draw
        int threshold = Math.round(rate * 65536f);
        float keep = 1f / (1f - rate);
        long state = seed;
        long bits = 0;
        for (int i = 0; i < n; i++) {
            if ((i & 3) == 0) {
                state += 0x9E3779B97F4A7C15L;
                long z = state;
                z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
                z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
                bits = z ^ (z >>> 31);
            }
            // branch-free: 1 when the 16 bits reach the threshold (kept), else 0
            int kept = 1 + (((int) (bits & 0xFFFF) - threshold) >> 31);
            float m = kept * keep;
            bits >>>= 16;
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
