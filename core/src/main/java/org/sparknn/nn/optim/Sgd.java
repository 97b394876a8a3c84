package org.sparknn.nn.optim;

/**
 * Stochastic gradient descent with optional momentum and Nesterov momentum, as Keras defines them:
 * {@code v = momentum * v - lr * g; w += v} (Nesterov: {@code w += momentum * v - lr * g}).
 */
public record Sgd(double momentum, boolean nesterov) implements Optimizer {
    public Sgd {
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("SGD momentum must be in [0, 1), got " + momentum);
        }
        if (nesterov && momentum == 0) {
            throw new IllegalArgumentException("Nesterov momentum needs a momentum > 0");
        }
    }

    @Override
    public int stateSize(int n) {
        return momentum == 0 ? 0 : n;
    }

    @Override
    public void applyRange(float[] w, float[] g, float[] v, long step, double lr, int from, int to) {
        float rate = (float) lr;
        if (momentum == 0) {
            for (int i = from; i < to; i++) {
                w[i] -= rate * g[i - from];
            }
            return;
        }
        float mu = (float) momentum;
        for (int i = from; i < to; i++) {
            float gi = g[i - from];
            float vi = mu * v[i] - rate * gi;
            v[i] = vi;
            w[i] += nesterov ? mu * vi - rate * gi : vi;
        }
    }

    @Override
    public String describe() {
        return "sgd(momentum=" + momentum + (nesterov ? ", nesterov" : "") + ")";
    }
}
