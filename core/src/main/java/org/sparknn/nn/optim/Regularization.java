package org.sparknn.nn.optim;

/**
 * L1 and L2 penalties on the weights (not the biases), as Keras' kernel regularizers:
 * {@code l1 * sum|w| + l2 * sum w^2}, whose gradient {@code l1 * sign(w) + 2 * l2 * w} is added to
 * the averaged data gradient.
 */
public record Regularization(double l1, double l2) implements java.io.Serializable {
    public static final Regularization NONE = new Regularization(0, 0);

    public Regularization {
        if (!(l1 >= 0) || !(l2 >= 0)) {
            throw new IllegalArgumentException("regularization factors must be >= 0, got l1=" + l1 + ", l2=" + l2);
        }
    }

    public boolean active() {
        return l1 > 0 || l2 > 0;
    }

    /** The penalty of weights {@code [off, off + n)}, summed as {@link #addGradient} sums it. */
    public double penalty(float[] w, int off, int n) {
        double penalty = 0;
        for (int i = off; i < off + n; i++) {
            float wi = w[i];
            penalty += l1 * Math.abs(wi) + l2 * (double) wi * wi;
        }
        return penalty;
    }

    /** Adds the penalty's gradient for weights {@code [off, off + n)} into {@code g} at the same places. */
    public void addGradient(float[] w, float[] g, int off, int n) {
        addGradient(w, g, off, n, 0);
    }

    /**
     * Adds the penalty's gradient for weights {@code [off, off + n)} into {@code g}, whose index 0
     * is weight {@code gBase}.
     */
    public void addGradient(float[] w, float[] g, int off, int n, int gBase) {
        float a = (float) l1;
        float b = (float) (2 * l2);
        for (int i = off; i < off + n; i++) {
            float wi = w[i];
            g[i - gBase] += a * Math.signum(wi) + b * wi;
        }
    }
}
