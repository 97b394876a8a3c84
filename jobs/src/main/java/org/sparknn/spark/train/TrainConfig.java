package org.sparknn.spark.train;

import java.io.Serializable;
import org.sparknn.nn.loss.Loss;
import org.sparknn.nn.optim.LearningRate;
import org.sparknn.nn.optim.Optimizer;
import org.sparknn.nn.optim.Regularization;
import org.sparknn.nn.spec.SettingException;
import org.sparknn.nn.train.Augmentation;

/**
 * How to train: validated once here for every entry point (TrainJob, the Spark ML estimator).
 *
 * @param epochs           passes over the training data
 * @param batchSize        global mini-batch size, independent of the partition count
 * @param seed             seed of initialization, shuffling and dropout
 * @param optimizer        update rule
 * @param learningRate     learning-rate schedule
 * @param regularization   L1/L2 on weights
 * @param loss             cross_entropy, mse or hinge
 * @param aggregationDepth treeAggregate depth
 * @param earlyStopping    early stopping, or null
 * @param logEverySteps    progress line interval in steps (0: epoch ends only)
 * @param augmentation     random shifts and rotations of training images (inside the partitions)
 */
public record TrainConfig(int epochs, int batchSize, long seed, Optimizer optimizer, LearningRate learningRate,
                          Regularization regularization, String loss, int aggregationDepth,
                          EarlyStopping earlyStopping, int logEverySteps, Augmentation augmentation)
    implements Serializable {

    /**
     * @param monitor     val_loss or val_accuracy
     * @param patience    epochs without improvement before stopping
     * @param minDelta    smallest change that counts as an improvement
     * @param restoreBest end with the weights of the best epoch
     */
    public record EarlyStopping(String monitor, int patience, double minDelta, boolean restoreBest) implements Serializable {
        public EarlyStopping {
            if (!monitor.equals("val_loss") && !monitor.equals("val_accuracy")) {
                throw new SettingException("earlyStoppingMonitor must be val_loss or val_accuracy, got '" + monitor + "'",
                    "earlyStoppingMonitor");
            }
            if (patience < 0 || !(minDelta >= 0)) {
                throw new SettingException("early stopping needs patience >= 0 and minDelta >= 0, got " + patience + " and "
                    + minDelta, "patience", "minDelta");
            }
        }

        boolean maximize() {
            return monitor.equals("val_accuracy");
        }

        /** The monitored value of an epoch's metrics. */
        double monitored(EpochMetrics m) {
            return maximize() ? m.valAccuracy() : m.valLoss();
        }

        /**
         * The bookkeeping after {@code epoch} (1-based) ended with the monitored {@code value}: an
         * improvement by more than minDelta over the best so far resets the wait; patience epochs
         * without one stop the run.
         */
        Decision after(RunState r, int epoch, double value) {
            Double best = r.bestValue();
            boolean improved = best == null || (maximize() ? value > best + minDelta : value < best - minDelta);
            if (improved) {
                return new Decision(true, value, epoch, 0, false);
            }
            int wait = r.epochsWithoutImprovement() + 1;
            return new Decision(false, best, r.bestEpoch(), wait, wait >= patience);
        }

        /** What early stopping makes of an epoch: the best value so far, its epoch, the wait, and whether to stop. */
        record Decision(boolean improved, Double bestValue, int bestEpoch, int epochsWithoutImprovement, boolean stop) {
            /** No early stopping: the bookkeeping stays as it is. */
            static Decision of(RunState r) {
                return new Decision(false, r.bestValue(), r.bestEpoch(), r.epochsWithoutImprovement(), false);
            }
        }
    }

    public TrainConfig {
        if (epochs <= 0) {
            throw new SettingException("epochs must be positive, got " + epochs, "epochs");
        }
        if (batchSize <= 0) {
            throw new SettingException("batchSize must be positive, got " + batchSize, "batchSize");
        }
        if (aggregationDepth < 1) {
            throw new SettingException("aggregationDepth must be >= 1, got " + aggregationDepth, "aggregationDepth");
        }
        if (logEverySteps < 0) {
            throw new SettingException("logEvery must be >= 0, got " + logEverySteps, "logEvery");
        }
        Loss.parse(loss);
        if (augmentation == null) {
            augmentation = Augmentation.NONE;
        }
    }

    public Loss lossFunction() {
        return Loss.parse(loss);
    }
}
