package org.sparknn.spark.train;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * Where a training run is, beyond the parameters and optimizer state: the next step, the
 * history so far and the early-stopping bookkeeping. Saved in every checkpoint.
 *
 * @param epoch       0-based epoch of the next step
 * @param stepInEpoch 0-based step within that epoch
 * @param history     completed epochs
 * @param bestValue   best monitored value so far, or null
 * @param bestEpoch   1-based epoch of the best value, 0 if none
 * @param epochsWithoutImprovement epochs since the last improvement
 * @param stopped     early stopping ended the run
 * @param epochLoss   loss sum of the current epoch's steps so far
 * @param epochCorrect correct predictions of the current epoch so far
 * @param epochCount  examples of the current epoch so far
 * @param epochWeight the examples' summed weight of the current epoch so far; null when they have
 *                    no weights (it is then their count)
 * @param epochPenalty regularization penalty summed over the current epoch's steps so far
 * @param epochSeconds wall time of the current epoch so far
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunState(int epoch, int stepInEpoch, List<EpochMetrics> history, Double bestValue, int bestEpoch,
                       int epochsWithoutImprovement, boolean stopped, double epochLoss, long epochCorrect, long epochCount,
                       Double epochWeight, double epochPenalty, double epochSeconds) {
    public RunState {
        history = List.copyOf(history);
    }

    public static RunState start() {
        return new RunState(0, 0, List.of(), null, 0, 0, false, 0, 0, 0, null, 0, 0);
    }

    /** The examples' summed weight of the current epoch so far: their count when they have no weights. */
    public double epochWeightSum() {
        return epochWeight == null ? epochCount : epochWeight;
    }

    /**
     * This epoch after {@code stepsDone} of its steps, with the sums of those steps (for a
     * checkpoint taken mid-epoch).
     */
    public RunState midEpoch(int stepsDone, double loss, long correct, long count, double weight, double penalty,
                             double seconds) {
        return new RunState(epoch, stepsDone, history, bestValue, bestEpoch, epochsWithoutImprovement, false, loss, correct,
            count, weight == count ? null : weight, penalty, seconds);
    }

    /**
     * The start of the next epoch, once this one ended with {@code metrics} and the early-stopping
     * bookkeeping given.
     */
    public RunState nextEpoch(EpochMetrics metrics, Double bestValue, int bestEpoch, int epochsWithoutImprovement,
                              boolean stopped) {
        List<EpochMetrics> h = new java.util.ArrayList<>(history);
        h.add(metrics);
        return new RunState(epoch + 1, 0, h, bestValue, bestEpoch, epochsWithoutImprovement, stopped, 0, 0, 0, null, 0, 0);
    }
}
