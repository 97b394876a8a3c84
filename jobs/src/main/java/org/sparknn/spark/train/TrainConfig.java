package org.sparknn.spark.train;

import java.io.Serializable;
import org.sparknn.nn.loss.Loss;
import org.sparknn.nn.optim.LearningRate;
import org.sparknn.nn.optim.Optimizer;
import org.sparknn.nn.optim.Regularization;
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
                throw new IllegalArgumentException("--early-stopping-monitor must be val_loss or val_accuracy, got '"
                    + monitor + "'");
            }
            if (patience < 0 || !(minDelta >= 0)) {
                throw new IllegalArgumentException("early stopping needs patience >= 0 and min delta >= 0, got "
                    + patience + " and " + minDelta);
            }
        }

        boolean maximize() {
            return monitor.equals("val_accuracy");
        }
    }

    public TrainConfig {
        if (epochs <= 0) {
            throw new IllegalArgumentException("--epochs must be positive, got " + epochs);
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("--batch-size must be positive, got " + batchSize);
        }
        if (aggregationDepth < 1) {
            throw new IllegalArgumentException("--aggregation-depth must be >= 1, got " + aggregationDepth);
        }
        if (logEverySteps < 0) {
            throw new IllegalArgumentException("--log-every must be >= 0, got " + logEverySteps);
        }
        Loss.parse(loss);
        if (augmentation == null) {
            augmentation = Augmentation.NONE;
        }
    }

    /**
     * The optimizer named {@code adam}, {@code adamw} or {@code sgd} with its settings; the one
     * place that maps names to optimizers for TrainJob and the Spark ML estimator.
     */
    public static org.sparknn.nn.optim.Optimizer optimizer(String name, double beta1, double beta2, double epsilon,
                                                           double weightDecay, double momentum, boolean nesterov) {
        return switch (name) {
            case "adam" -> new org.sparknn.nn.optim.Adam(beta1, beta2, epsilon, 0);
            case "adamw" -> new org.sparknn.nn.optim.Adam(beta1, beta2, epsilon, weightDecay);
            case "sgd" -> new org.sparknn.nn.optim.Sgd(momentum, nesterov);
            default -> throw new IllegalArgumentException("optimizer must be adam, adamw or sgd, got '" + name + "'");
        };
    }

    public Loss lossFunction() {
        return Loss.parse(loss);
    }
}
