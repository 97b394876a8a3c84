package org.sparknn.nn.loss;

/** Mean squared error against one-hot targets, averaged over the classes (as Keras): {@code mean_k (o_k - t_k)^2}. */
public final class MeanSquaredError implements Loss {
    @Override
    public double lossAndGradient(float[] out, int[] labels, int labelOff, int batch, int classes, float[] d) {
        double total = 0;
        float scale = 2f / classes;
        for (int b = 0; b < batch; b++) {
            int o = b * classes;
            int y = Loss.checkLabel(labels, labelOff + b, classes);
            double sum = 0;
            for (int k = 0; k < classes; k++) {
                float diff = out[o + k] - (k == y ? 1f : 0f);
                sum += (double) diff * diff;
                d[o + k] = scale * diff;
            }
            total += sum / classes;
        }
        return total;
    }

    @Override
    public String name() {
        return "mse";
    }
}
