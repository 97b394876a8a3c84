package org.sparknn.nn.layer;

import java.util.SplittableRandom;

/**
 * One layer: a forward/backward pair over flat row-major buffers holding a batch of examples
 * ({@code batch x in.size()} and {@code batch x out.size()}), parameters at an offset of the
 * network's one parameter array, gradients accumulated with {@code +=} at the same offset of the
 * gradient array. Per-batch scratch lives in a {@link Scratch} made once per batch capacity, so
 * forward and backward allocate nothing.
 */
public abstract class Layer {
    protected final String name;
    protected final Shape in;
    protected final Shape out;

    protected Layer(String name, Shape in, Shape out) {
        this.name = name;
        this.in = in;
        this.out = out;
    }

    /** Scratch buffers of one layer for a batch capacity; layers that need none use {@link #NONE}. */
    public interface Scratch {
    }

    public static final Scratch NONE = new Scratch() {
    };

    public String name() {
        return name;
    }

    public Shape inputShape() {
        return in;
    }

    public Shape outputShape() {
        return out;
    }

    /** Number of trainable parameters. */
    public int paramCount() {
        return 0;
    }

    /** Number of leading parameters that are weights (regularized); the rest are biases. */
    public int weightCount() {
        return 0;
    }

    /** Multiply-adds of one example's forward pass, for throughput figures. */
    public long forwardMacs() {
        return 0;
    }

    /** Initializes this layer's parameters at {@code off}. */
    public void init(float[] params, int off, SplittableRandom rng) {
    }

    public Scratch scratch(int maxBatch) {
        return NONE;
    }

    /** Whether inference passes the input through unchanged (same values, same memory layout). */
    public boolean identityAtInference() {
        return false;
    }

    /**
     * @param training whether training-only behaviour (dropout) is on
     * @param seed     seed of this batch's random choices
     */
    public abstract void forward(float[] params, int pOff, float[] x, float[] y, int batch, Scratch s,
                                 boolean training, long seed);

    /**
     * Accumulates parameter gradients into {@code grads} and writes the input gradient into
     * {@code dx} (overwriting), unless {@code dx} is null (the first layer needs none).
     */
    public abstract void backward(float[] params, int pOff, float[] grads, float[] x, float[] y, float[] dy,
                                  float[] dx, int batch, Scratch s);

    @Override
    public String toString() {
        return name + " " + in + " -> " + out;
    }
}
