package org.sparknn.nn.optim;

import org.sparknn.nn.spec.SettingException;

/**
 * A learning-rate schedule over global steps: an optional linear warm-up, then constant, step
 * decay ({@code base * gamma^floor(epoch / every)}) or cosine decay to {@code min}.
 *
 * @param base         the peak learning rate
 * @param schedule     constant, step or cosine
 * @param stepEvery    epochs between decays (step)
 * @param gamma        decay factor (step)
 * @param min          final learning rate (cosine)
 * @param warmupEpochs epochs of linear warm-up from base/steps to base (may be fractional)
 */
public record LearningRate(double base, Schedule schedule, int stepEvery, double gamma, double min, double warmupEpochs)
    implements java.io.Serializable {
    public enum Schedule { constant, step, cosine }

    public LearningRate {
        if (!(base > 0)) {
            throw new SettingException("learningRate must be positive, got " + base, "learningRate");
        }
        if (schedule == Schedule.step && (stepEvery <= 0 || !(gamma > 0 && gamma <= 1))) {
            throw new SettingException("the step schedule needs lrStepEpochs > 0 and lrGamma in (0, 1], got " + stepEvery
                + " and " + gamma, "lrStepEpochs", "lrGamma");
        }
        if (!(min >= 0 && min <= base)) {
            throw new SettingException("lrMin must be in [0, learningRate] = [0, " + base + "], got " + min, "lrMin",
                "learningRate");
        }
        if (!(warmupEpochs >= 0)) {
            throw new SettingException("warmupEpochs must be >= 0, got " + warmupEpochs, "warmupEpochs");
        }
    }

    public static LearningRate constant(double lr) {
        return new LearningRate(lr, Schedule.constant, 1, 1, 0, 0);
    }

    /**
     * @param step           0-based global step
     * @param stepsPerEpoch  steps in one epoch
     * @param totalSteps     steps of the whole run
     */
    public double at(long step, int stepsPerEpoch, long totalSteps) {
        long warmup = Math.round(warmupEpochs * stepsPerEpoch);
        if (step < warmup) {
            return base * (step + 1) / warmup;
        }
        return switch (schedule) {
            case constant -> base;
            case step -> base * Math.pow(gamma, (double) (step / stepsPerEpoch / stepEvery));
            case cosine -> {
                double span = Math.max(1, totalSteps - warmup);
                double t = Math.min(1.0, (step - warmup) / span);
                yield min + 0.5 * (base - min) * (1 + Math.cos(Math.PI * t));
            }
        };
    }
}
