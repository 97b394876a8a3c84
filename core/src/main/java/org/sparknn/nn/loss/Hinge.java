package org.sparknn.nn.loss;

/**
 * Multi-class hinge (Crammer-Singer, Keras' categorical hinge):
 * {@code max(0, 1 + max_{j != y} o_j - o_y)}.
 */
public final class Hinge implements Loss {
    @Override
    public double example(float[] out, int o, int y, int classes, float[] d) {
        int worst = -1;
        float max = Float.NEGATIVE_INFINITY;
        for (int k = 0; k < classes; k++) {
            d[o + k] = 0f;
            if (k != y && out[o + k] > max) {
                max = out[o + k];
                worst = k;
            }
        }
        double margin = 1.0 + max - out[o + y];
        if (margin > 0 && worst >= 0) {
            d[o + worst] = 1f;
            d[o + y] = -1f;
            return margin;
        }
        return 0;
    }

    @Override
    public String name() {
        return "hinge";
    }
}
