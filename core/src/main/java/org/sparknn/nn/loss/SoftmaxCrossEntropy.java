package org.sparknn.nn.loss;

/**
 * Softmax cross-entropy on integer labels, fused: from logits z, {@code loss = logsumexp(z) - z[y]}
 * (stable for large logits) and {@code dz = softmax(z) - onehot(y)}.
 */
public final class SoftmaxCrossEntropy implements Loss {
    @Override
    public double example(float[] z, int o, int y, int classes, float[] dz) {
        float max = Float.NEGATIVE_INFINITY;
        for (int k = 0; k < classes; k++) {
            max = Math.max(max, z[o + k]);
        }
        double sum = 0;
        for (int k = 0; k < classes; k++) {
            sum += Math.exp(z[o + k] - max);
        }
        double logSum = Math.log(sum);
        for (int k = 0; k < classes; k++) {
            dz[o + k] = (float) Math.exp(z[o + k] - max - logSum);
        }
        dz[o + y] -= 1f;
        return logSum + max - z[o + y];
    }

    @Override
    public boolean takesLogits() {
        return true;
    }

    @Override
    public String name() {
        return "cross_entropy";
    }
}
