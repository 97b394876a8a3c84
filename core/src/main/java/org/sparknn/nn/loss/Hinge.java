package org.sparknn.nn.loss;

/**
 * Multi-class hinge (Crammer-Singer, Keras' categorical hinge):
 * {@code max(0, 1 + max_{j != y} o_j - o_y)}.
 */
public final class Hinge implements Loss {
    @Override
    public double lossAndGradient(float[] out, int[] labels, int labelOff, int batch, int classes, float[] d) {
        double total = 0;
        for (int b = 0; b < batch; b++) {
            int o = b * classes;
            int y = Loss.checkLabel(labels, labelOff + b, classes);
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
                total += margin;
                d[o + worst] = 1f;
                d[o + y] = -1f;
            }
        }
        return total;
    }

    @Override
    public String name() {
        return "hinge";
    }
}
