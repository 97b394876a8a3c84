package org.sparknn.nn.loss;

/** Mean squared error against one-hot targets, averaged over the classes (as Keras): {@code mean_k (o_k - t_k)^2}. */
public final class MeanSquaredError implements Loss {
    @Override
    public double example(float[] out, int o, int y, int classes, float[] d) {
        float scale = 2f / classes;
        double sum = 0;
        for (int k = 0; k < classes; k++) {
            float diff = out[o + k] - (k == y ? 1f : 0f);
            sum += (double) diff * diff;
            d[o + k] = scale * diff;
        }
        return sum / classes;
    }

    @Override
    public String name() {
        return "mse";
    }
}
