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

    /** Elements per chunk of {@link #apply}: four chunk buffers stay in the L1/L2 caches. */
    private static final int CHUNK = 2048;

    @Override
    public void applyRange(float[] w, float[] g, float[] state, long step, double lr, int from, int to) {
        int n = w.length;
        double alpha = lr * Math.sqrt(1 - Math.pow(beta2, step)) / (1 - Math.pow(beta1, step));
        float a = (float) alpha;
        float b1 = (float) (1 - beta1);
        float b2 = (float) (1 - beta2);
        float eps = (float) epsilon;
        float decay = (float) (lr * weightDecay);
        // m and v are the two halves of one state array, which the JIT cannot prove independent at
        // offsets i and n + i, so a loop over them stays scalar (a sqrt and a division per element,
        // for every parameter on every step). Copied chunk by chunk into separate buffers all
        // indexed by j, the same arithmetic vectorizes and gives the same bits: every element sees the same float operations in the same order.
        float[] cw = new float[Math.min(CHUNK, Math.max(1, to - from))];
        float[] cg = new float[cw.length];
        float[] cm = new float[cw.length];
        float[] cv = new float[cw.length];
        for (int at = from; at < to; at += CHUNK) {
            int len = Math.min(CHUNK, to - at);
            System.arraycopy(w, at, cw, 0, len);
            System.arraycopy(g, at - from, cg, 0, len);
            System.arraycopy(state, at, cm, 0, len);
            System.arraycopy(state, n + at, cv, 0, len);
            if (decay != 0f) {
                for (int j = 0; j < len; j++) {
                    cw[j] -= decay * cw[j];
                }
            }
            update(cw, cg, cm, cv, len, a, b1, b2, eps);
            System.arraycopy(cw, 0, w, at, len);
            System.arraycopy(cm, 0, state, at, len);
            System.arraycopy(cv, 0, state, n + at, len);
        }
    }

    /** The Adam step on {@code len} elements of four distinct arrays, all at the same index. */
    private static void update(float[] w, float[] g, float[] m, float[] v, int len, float a, float b1, float b2, float eps) {
        for (int j = 0; j < len; j++) {
            float gj = g[j];
            float mj = m[j] + (gj - m[j]) * b1;
            float vj = v[j] + (gj * gj - v[j]) * b2;
            m[j] = mj;
            v[j] = vj;
            w[j] -= a * mj / ((float) Math.sqrt(vj) + eps);
        }
    }

    @Override
    public String describe() {
        return (weightDecay > 0 ? "adamw" : "adam") + "(beta1=" + beta1 + ", beta2=" + beta2 + ", epsilon=" + epsilon
            + (weightDecay > 0 ? ", weight_decay=" + weightDecay : "") + ")";
    }
}
