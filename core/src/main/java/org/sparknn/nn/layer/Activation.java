package org.sparknn.nn.layer;

/** Element-wise activations, and softmax over each example's values. */
public final class Activation extends Layer {
    public enum Kind {
        RELU, SIGMOID, TANH, SOFTMAX;

        public static Kind parse(String s, String where) {
            for (Kind k : values()) {
                if (k.name().equalsIgnoreCase(s)) {
                    return k;
                }
            }
            throw new IllegalArgumentException(where + ": unknown activation '" + s
                + "', expected relu, sigmoid, tanh, softmax or linear");
        }
    }

    private final Kind kind;

    public Activation(String name, Shape in, Kind kind) {
        super(name, in, in);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    @Override
    public void forward(float[] p, int pOff, float[] x, float[] y, int batch, Scratch s, boolean training, long seed) {
        int n = batch * in.size();
        switch (kind) {
            case RELU -> {
                for (int i = 0; i < n; i++) {
                    y[i] = Math.max(x[i], 0f); // branch-free: signs are unpredictable
                }
            }
            case SIGMOID -> {
                for (int i = 0; i < n; i++) {
                    y[i] = (float) (1.0 / (1.0 + Math.exp(-x[i])));
                }
            }
            case TANH -> {
                for (int i = 0; i < n; i++) {
                    y[i] = (float) Math.tanh(x[i]);
                }
            }
            case SOFTMAX -> {
                int size = in.size();
                for (int b = 0; b < batch; b++) {
                    softmax(x, b * size, y, b * size, size);
                }
            }
        }
    }

    /**
     * Zeroes {@code d[i]} where {@code y[i]} is +0 (a ReLU output, so never negative), keeps it
     * where {@code y[i] > 0}; branch-free bit arithmetic, as the pattern is unpredictable.
     */
    static void maskByPositive(float[] d, float[] y, int off, int n) {
        for (int i = off; i < off + n; i++) {
            int keep = -Float.floatToRawIntBits(y[i]) >> 31;
            d[i] = Float.intBitsToFloat(Float.floatToRawIntBits(d[i]) & keep);
        }
    }

    /** Numerically stable softmax of {@code n} values. */
    public static void softmax(float[] x, int xOff, float[] y, int yOff, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[xOff + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x[xOff + i] - max);
            y[yOff + i] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < n; i++) {
            y[yOff + i] *= inv;
        }
    }

    @Override
    public void backward(float[] p, int pOff, float[] g, float[] x, float[] y, float[] dy, float[] dx, int batch,
                         Scratch s) {
        if (dx == null) {
            return;
        }
        int n = batch * in.size();
        switch (kind) {
            case RELU -> {
                System.arraycopy(dy, 0, dx, 0, n);
                maskByPositive(dx, y, 0, n);
            }
            case SIGMOID -> {
                for (int i = 0; i < n; i++) {
                    dx[i] = dy[i] * y[i] * (1f - y[i]);
                }
            }
            case TANH -> {
                for (int i = 0; i < n; i++) {
                    dx[i] = dy[i] * (1f - y[i] * y[i]);
                }
            }
            case SOFTMAX -> {
                int size = in.size();
                for (int b = 0; b < batch; b++) {
                    int o = b * size;
                    float dot = 0;
                    for (int i = 0; i < size; i++) {
                        dot += dy[o + i] * y[o + i];
                    }
                    for (int i = 0; i < size; i++) {
                        dx[o + i] = y[o + i] * (dy[o + i] - dot);
                    }
                }
            }
        }
    }
}
