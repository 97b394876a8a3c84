package org.sparknn.nn.optim;

/**
 * An update rule over flat arrays. Its state (momentum, Adam moments) is one float array of
 * {@link #stateSize} values owned by the caller, so it can be checkpointed and restored exactly.
 */
public sealed interface Optimizer extends java.io.Serializable permits Sgd, Adam {
    /** Floats of state for {@code n} parameters. */
    int stateSize(int n);

    /**
     * Applies one update with the averaged gradient.
     *
     * @param step the 1-based number of this update (Adam's bias correction)
     * @param lr   the learning rate of this step (after any schedule)
     */
    void apply(float[] params, float[] grad, float[] state, long step, double lr);

    /** A short description for logs and training.json. */
    String describe();
}
