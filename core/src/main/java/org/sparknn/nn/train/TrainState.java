package org.sparknn.nn.train;

import org.sparknn.nn.model.Network;
import org.sparknn.nn.optim.Optimizer;
import org.sparknn.nn.optim.Regularization;

/**
 * Everything a training run changes: the parameters, the optimizer state and the step count.
 * The driver-side half of a training step lives here so the single-machine and the distributed
 * trainers apply exactly the same arithmetic.
 */
public final class TrainState {
    private final Network net;
    private final Optimizer optimizer;
    private final Regularization regularization;
    private final float[] params;
    private final float[] optimizerState;
    private long step;
    private int frozen;

    public TrainState(Network net, Optimizer optimizer, Regularization regularization, float[] params,
                      float[] optimizerState, long step) {
        if (params.length != net.paramCount()) {
            throw new IllegalArgumentException("the network has " + net.paramCount() + " parameters but "
                + params.length + " were given");
        }
        int stateSize = optimizer.stateSize(params.length);
        if (optimizerState.length != stateSize) {
            throw new IllegalArgumentException(optimizer.describe() + " needs " + stateSize
                + " state values for " + params.length + " parameters but " + optimizerState.length + " were given");
        }
        this.net = net;
        this.optimizer = optimizer;
        this.regularization = regularization;
        this.params = params;
        this.optimizerState = optimizerState;
        this.step = step;
    }

    /** A fresh state: parameters initialized from {@code seed}, zero optimizer state. */
    public static TrainState initial(Network net, Optimizer optimizer, Regularization regularization, long seed) {
        float[] p = net.initialParams(seed);
        return new TrainState(net, optimizer, regularization, p, new float[optimizer.stateSize(p.length)], 0);
    }

    public float[] params() {
        return params;
    }

    /**
     * Freezes the parameters {@code [0, count)} (the first layers': see {@link Network#paramOffset}):
     * the optimizer leaves them as they are, whatever their gradient, decay or penalty.
     *
     * @return this state
     */
    public TrainState freeze(int count) {
        if (count < 0 || count > params.length) {
            throw new IllegalArgumentException("cannot freeze " + count + " of " + params.length + " parameters");
        }
        frozen = count;
        return this;
    }

    /** The number of leading parameters the optimizer leaves as they are. */
    public int frozen() {
        return frozen;
    }

    public float[] optimizerState() {
        return optimizerState;
    }

    public long step() {
        return step;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public Regularization regularization() {
        return regularization;
    }

    /**
     * Takes over another copy's parameters, optimizer state and step count (a copy that ran the
     * steps elsewhere, with the same arithmetic).
     */
    public void restore(float[] newParams, float[] newOptimizerState, long newStep) {
        if (newParams.length != params.length || newOptimizerState.length != optimizerState.length) {
            throw new IllegalArgumentException("a state of " + newParams.length + " parameters and "
                + newOptimizerState.length + " optimizer values cannot replace one of " + params.length + " and "
                + optimizerState.length);
        }
        System.arraycopy(newParams, 0, params, 0, params.length);
        System.arraycopy(newOptimizerState, 0, optimizerState, 0, optimizerState.length);
        step = newStep;
    }

    /**
     * Averages {@code gradSum} (the gradient of the loss summed over examples whose weights sum to
     * {@code weight}: their count when they have no weights; it is overwritten), adds the
     * regularization gradient, and applies one optimizer step. A step whose examples all weigh
     * zero has a zero loss gradient.
     *
     * @return the regularization penalty at the parameters before the step
     */
    public double applyGradientSum(float[] gradSum, double weight, double lr) {
        double penalty = penalty();
        applyGradientShare(gradSum, weight, lr, 0, params.length);
        return penalty;
    }

    /**
     * The regularization penalty at the current parameters: what {@link #applyGradientSum} returns
     * when it is called next.
     */
    public double penalty() {
        if (!regularization.active()) {
            return 0;
        }
        double[] penalty = {0};
        net.forEachWeightRange((off, n) -> {
            penalty[0] += regularization.penalty(params, off, n);
            return 0;
        });
        return penalty[0];
    }

    /**
     * {@link #applyGradientSum} for the parameters {@code [from, to)} alone, with their share of
     * the summed gradient in {@code gradShare[0 .. to - from)} (overwritten), and the step count
     * advanced as a whole step advances it. Every rule works element by element: a gang of tasks
     * that each update their own share of the parameters gets, together, the bits of one update of
     * all of them.
     */
    public void applyGradientShare(float[] gradShare, double weight, double lr, int from, int to) {
        if (!(weight >= 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("a step's examples weigh " + weight + " together, expected a finite"
                + " number >= 0");
        }
        if (from < 0 || to > params.length || from > to || gradShare.length < to - from) {
            throw new IllegalArgumentException("a share [" + from + ", " + to + ") of " + params.length
                + " parameters with " + gradShare.length + " gradient values");
        }
        // every weight zero: the summed gradient is zero, and stays so
        float inv = weight == 0 ? 0f : (float) (1.0 / weight);
        for (int i = 0; i < to - from; i++) {
            gradShare[i] *= inv;
        }
        if (regularization.active()) {
            net.forEachWeightRange((off, n) -> {
                int lo = Math.max(off, from);
                int hi = Math.min(off + n, to);
                if (lo < hi) {
                    regularization.addGradient(params, gradShare, lo, hi - lo, from);
                }
                return 0;
            });
        }
        step++;
        if (frozen <= from) {
            optimizer.applyRange(params, gradShare, optimizerState, step, lr, from, to);
        } else if (frozen < to) {
            float[] unfrozen = java.util.Arrays.copyOfRange(gradShare, frozen - from, to - from);
            optimizer.applyRange(params, unfrozen, optimizerState, step, lr, frozen, to);
        }
    }
}
