package org.sparknn.nn.optim;

/**
 * An update rule over flat arrays. Its state (momentum, Adam moments) is one float array of
 * {@link #stateSize} values owned by the caller, so it can be checkpointed and restored exactly.
 * The state is made of {@link #statePlanes} planes of one value per parameter, plane {@code k} of
 * parameter {@code i} at {@code k * n + i}. Every rule works element by element, so a range of the
 * parameters can be updated on its own ({@link #applyRange}) with the same bits.
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
    default void apply(float[] params, float[] grad, float[] state, long step, double lr) {
        applyRange(params, grad, state, step, lr, 0, params.length);
    }

    /**
     * Applies one update to the parameters {@code [from, to)} only, with their averaged gradient
     * {@code grad[0 .. to - from)}.
     */
    void applyRange(float[] params, float[] grad, float[] state, long step, double lr, int from, int to);

    /** State values per parameter: the number of planes of the state array. */
    default int statePlanes() {
        return stateSize(1);
    }

    /** A short description for logs and training.json. */
    String describe();
}
