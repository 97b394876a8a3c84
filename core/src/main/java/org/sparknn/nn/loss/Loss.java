package org.sparknn.nn.loss;

/**
 * A loss over a batch of network outputs and integer class labels. It returns the <em>sum</em>
 * of the per-example losses (weighted, when the examples have weights) and writes the gradient of
 * that sum, so that partial results from several partitions add up and the caller divides once by
 * the global example count (or sum of weights).
 */
public interface Loss {
    /**
     * One example's loss, and its gradient in {@code d[o .. o + classes)}.
     *
     * @param out the outputs (for {@link #takesLogits()} losses: the logits), the example's from {@code o}
     * @param y   the example's class index, checked
     */
    double example(float[] out, int o, int y, int classes, float[] d);

    /**
     * @param out    {@code batch x classes} outputs (for {@link #takesLogits()} losses: the logits)
     * @param labels class index per example, from {@code labelOff}
     * @param dOut   receives d(sum of losses)/d(out), overwritten
     * @return the sum of the per-example losses
     */
    default double lossAndGradient(float[] out, int[] labels, int labelOff, int batch, int classes, float[] dOut) {
        return lossAndGradient(out, labels, (float[]) null, labelOff, batch, classes, dOut);
    }

    /**
     * The weighted sum {@code sum_i w_i * loss_i} and its gradient: each example's gradient row
     * scaled by its weight.
     *
     * @param weights weight per example, from {@code labelOff} as the labels; null: every weight is 1
     */
    default double lossAndGradient(float[] out, int[] labels, float[] weights, int labelOff, int batch, int classes,
                                   float[] dOut) {
        double total = 0;
        for (int b = 0; b < batch; b++) {
            int o = b * classes;
            double loss = example(out, o, checkLabel(labels, labelOff + b, classes), classes, dOut);
            if (weights == null) {
                total += loss;
                continue;
            }
            float w = weights[labelOff + b];
            total += w * loss;
            for (int k = 0; k < classes; k++) {
                dOut[o + k] *= w;
            }
        }
        return total;
    }

    /**
     * True when the loss works on logits and subsumes a final softmax (softmax cross-entropy):
     * the network then skips its softmax layer's backward pass and hands the loss the softmax input.
     */
    default boolean takesLogits() {
        return false;
    }

    String name();

    static Loss parse(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "cross_entropy", "crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy" ->
                new SoftmaxCrossEntropy();
            case "mse", "mean_squared_error" -> new MeanSquaredError();
            case "hinge", "categorical_hinge" -> new Hinge();
            default -> throw new IllegalArgumentException("unknown loss '" + name
                + "', expected cross_entropy, mse or hinge");
        };
    }

    /** Checks a label against the class count, naming the example. */
    static int checkLabel(int[] labels, int i, int classes) {
        int y = labels[i];
        if (y < 0 || y >= classes) {
            throw new IllegalArgumentException("label " + y + " of example " + i + " is outside 0.." + (classes - 1));
        }
        return y;
    }
}
