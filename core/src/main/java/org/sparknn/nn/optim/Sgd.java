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
    public void apply(float[] w, float[] g, float[] v, long step, double lr) {
        int n = w.length;
        float rate = (float) lr;
        if (momentum == 0) {
            for (int i = 0; i < n; i++) {
                w[i] -= rate * g[i];
            }
            return;
        }
        float mu = (float) momentum;
        for (int i = 0; i < n; i++) {
            float vi = mu * v[i] - rate * g[i];
            v[i] = vi;
            w[i] += nesterov ? mu * vi - rate * g[i] : vi;
        }
    }

    @Override
    public String describe() {
        return "sgd(momentum=" + momentum + (nesterov ? ", nesterov" : "") + ")";
    }
}
