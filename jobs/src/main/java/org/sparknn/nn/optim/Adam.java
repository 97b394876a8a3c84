package org.sparknn.nn.optim;

/**
 * Adam with bias correction, in Keras' form ({@code alpha = lr * sqrt(1 - b2^t) / (1 - b1^t)},
 * {@code w -= alpha * m / (sqrt(v) + epsilon)}); with {@code weightDecay > 0} it is AdamW
 * (decoupled decay {@code w -= lr * weightDecay * w} before the step). State: m, then v.
 */
public record Adam(double beta1, double beta2, double epsilon, double weightDecay) implements Optimizer {
    /** Keras defaults: beta1 0.9, beta2 0.999, epsilon 1e-7, no weight decay. */
    public static Adam defaults() {
        return new Adam(0.9, 0.999, 1e-7, 0);
    }

    public Adam {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("Adam betas must be in [0, 1), got " + beta1 + " and " + beta2);
        }
        if (!(epsilon > 0)) {
            throw new IllegalArgumentException("Adam epsilon must be positive, got " + epsilon);
        }
        if (!(weightDecay >= 0)) {
            throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        }
    }

    @Override
    public int stateSize(int n) {
        return 2 * n;
    }

    @Override
    public void apply(float[] w, float[] g, float[] state, long step, double lr) {
        int n = w.length;
        double alpha = lr * Math.sqrt(1 - Math.pow(beta2, step)) / (1 - Math.pow(beta1, step));
        float a = (float) alpha;
        float b1 = (float) (1 - beta1);
        float b2 = (float) (1 - beta2);
        float eps = (float) epsilon;
        float decay = (float) (lr * weightDecay);
        for (int i = 0; i < n; i++) {
            if (decay != 0f) {
                w[i] -= decay * w[i];
            }
            float gi = g[i];
            float m = state[i] + (gi - state[i]) * b1;
            float v = state[n + i] + (gi * gi - state[n + i]) * b2;
            state[i] = m;
            state[n + i] = v;
            w[i] -= a * m / ((float) Math.sqrt(v) + eps);
        }
    }

    @Override
    public String describe() {
        return (weightDecay > 0 ? "adamw" : "adam") + "(beta1=" + beta1 + ", beta2=" + beta2 + ", epsilon=" + epsilon
            + (weightDecay > 0 ? ", weight_decay=" + weightDecay : "") + ")";
    }
}
