package org.sparknn.nn.layer;

import java.util.SplittableRandom;

/** Weight initializers, with Keras' definitions (normal variants are truncated at 2 std). */
public enum Init {
    GLOROT_UNIFORM, GLOROT_NORMAL, HE_UNIFORM, HE_NORMAL;

    /** Std of a normal truncated to [-2, 2] relative to the untruncated one (Keras' constant). */
    private static final double TRUNCATION = 0.87962566103423978;

    public static Init parse(String s, String where) {
        for (Init i : values()) {
            if (i.name().equalsIgnoreCase(s)) {
                return i;
            }
        }
        throw new IllegalArgumentException(where + ": unknown initializer '" + s
            + "', expected glorot_uniform, glorot_normal, he_uniform or he_normal");
    }

    /** Fills {@code n} weights at {@code off}. */
    public void fill(float[] w, int off, int n, int fanIn, int fanOut, SplittableRandom rng) {
        boolean glorot = this == GLOROT_UNIFORM || this == GLOROT_NORMAL;
        double variance = glorot ? 2.0 / (fanIn + fanOut) : 2.0 / fanIn;
        if (this == GLOROT_UNIFORM || this == HE_UNIFORM) {
            double limit = Math.sqrt(3 * variance);
            for (int i = 0; i < n; i++) {
                w[off + i] = (float) ((rng.nextDouble() * 2 - 1) * limit);
            }
        } else {
            double std = Math.sqrt(variance) / TRUNCATION;
            for (int i = 0; i < n; i++) {
                double g;
                do {
                    g = gaussian(rng);
                } while (Math.abs(g) > 2);
                w[off + i] = (float) (g * std);
            }
        }
    }

    private static double gaussian(SplittableRandom rng) {
        // Box-Muller: two uniforms per draw, deterministic for a given generator state
        double u1 = 1.0 - rng.nextDouble();
        double u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
