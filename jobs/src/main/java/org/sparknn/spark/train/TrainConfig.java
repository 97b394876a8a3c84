package org.sparknn.spark.train;

import java.io.Serializable;
import org.sparknn.nn.loss.Loss;
import org.sparknn.nn.optim.LearningRate;
import org.sparknn.nn.optim.Optimizer;
import org.sparknn.nn.optim.OptimizerChoice;
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
 * @param stepMode         how steps run: a Spark job each, or gang-scheduled tasks (the same bits)
 * @param freezeLayers     the first layers with parameters that training leaves as they are
 */
public record TrainConfig(int epochs, int batchSize, long seed, Optimizer optimizer, LearningRate learningRate,
                          Regularization regularization, String loss, int aggregationDepth,
                          EarlyStopping earlyStopping, int logEverySteps, Augmentation augmentation, StepMode stepMode,
                          int freezeLayers)
    implements Serializable {

    /** A configuration that trains every layer. */
    public TrainConfig(int epochs, int batchSize, long seed, Optimizer optimizer, LearningRate learningRate,
                       Regularization regularization, String loss, int aggregationDepth, EarlyStopping earlyStopping,
                       int logEverySteps, Augmentation augmentation, StepMode stepMode) {
        this(epochs, batchSize, seed, optimizer, learningRate, regularization, loss, aggregationDepth, earlyStopping,
            logEverySteps, augmentation, stepMode, 0);
    }

    /**
     * @param monitor     val_loss or val_accuracy, or loss: the epoch's training loss (when there
     *                    are no validation rows, as MLlib's tol)
     * @param patience    epochs without improvement before stopping
     * @param minDelta    smallest change that counts as an improvement
     * @param restoreBest end with the weights of the best epoch
     */
    public record EarlyStopping(String monitor, int patience, double minDelta, boolean restoreBest) implements Serializable {
        public EarlyStopping {
            if (!monitor.equals("val_loss") && !monitor.equals("val_accuracy") && !monitor.equals("loss")) {
                throw new SettingException("earlyStoppingMonitor must be val_loss, val_accuracy or loss, got '" + monitor + "'",
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

        /** Whether the monitored value is measured on validation rows. */
        public boolean needsValidation() {
            return monitor.startsWith("val_");
        }

        /** The monitored value of an epoch's metrics. */
        double monitored(EpochMetrics m) {
            return switch (monitor) {
                case "val_accuracy" -> m.valAccuracy();
                case "val_loss" -> m.valLoss();
                default -> m.loss();
            };
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
        if (stepMode == null) {
            stepMode = StepMode.auto;
        }
        if (freezeLayers < 0) {
            throw new SettingException("freezeLayers must be >= 0, got " + freezeLayers, "freezeLayers");
        }
    }

    /** The leading parameters of {@code net} that {@link #freezeLayers} freezes. */
    public int frozenParams(org.sparknn.nn.model.Network net) {
        try {
            return org.sparknn.nn.train.InitialWeights.frozenParams(net, freezeLayers);
        } catch (IllegalArgumentException e) {
            throw new SettingException(e.getMessage(), "freezeLayers");
        }
    }

    /** This configuration with its steps run as {@code mode} says. */
    public TrainConfig withStepMode(StepMode mode) {
        return new TrainConfig(epochs, batchSize, seed, optimizer, learningRate, regularization, loss, aggregationDepth,
            earlyStopping, logEverySteps, augmentation, mode, freezeLayers);
    }

    public Loss lossFunction() {
        return Loss.parse(loss);
    }

    /** A configuration built from settings named by their concept names, each with its default. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The settings of a training run, named as the Spark ML params name them. Every front end fills
     * one, so they share the same settings and defaults; {@link #build()} validates them.
     */
    public static final class Builder {
        private int epochs = 5;
        private int batchSize = 128;
        private long seed = 42;
        private String optimizer = "adam";
        private double learningRate = 0.001;
        private double beta1 = 0.9;
        private double beta2 = 0.999;
        private double epsilon = 1e-7;
        private double weightDecay = 0.004;
        private double momentum;
        private boolean nesterov;
        private double l1;
        private double l2;
        private String loss = "cross_entropy";
        private String lrSchedule = "constant";
        private int lrStepEpochs = 1;
        private double lrGamma = 0.5;
        private double lrMin;
        private double warmupEpochs;
        private String earlyStoppingMonitor;
        private int patience = 2;
        private double minDelta;
        private boolean restoreBest = true;
        private int augmentShift;
        private double augmentRotation;
        private float[] augmentFill;
        private int aggregationDepth = 2;
        private int logEvery;
        private String stepMode = "auto";
        private int freezeLayers;

        private Builder() {
        }

        /** Leaves the first {@code n} layers that have parameters as they start (fine-tuning). */
        public Builder freezeLayers(int n) {
            freezeLayers = n;
            return this;
        }

        public Builder epochs(int v) {
            epochs = v;
            return this;
        }

        public Builder batchSize(int v) {
            batchSize = v;
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        /** adam, adamw or sgd. */
        public Builder optimizer(String v) {
            optimizer = v;
            return this;
        }

        public Builder learningRate(double v) {
            learningRate = v;
            return this;
        }

        /** Adam's and AdamW's moment decay rates. */
        public Builder betas(double b1, double b2) {
            beta1 = b1;
            beta2 = b2;
            return this;
        }

        /** Adam's and AdamW's denominator term. */
        public Builder epsilon(double v) {
            epsilon = v;
            return this;
        }

        /** AdamW's decoupled weight decay. */
        public Builder weightDecay(double v) {
            weightDecay = v;
            return this;
        }

        /** SGD's momentum, Nesterov's or classical. */
        public Builder momentum(double v, boolean useNesterov) {
            momentum = v;
            nesterov = useNesterov;
            return this;
        }

        /** L1 and L2 penalties on weights. */
        public Builder penalties(double v1, double v2) {
            l1 = v1;
            l2 = v2;
            return this;
        }

        /** cross_entropy, mse or hinge. */
        public Builder loss(String v) {
            loss = v;
            return this;
        }

        /** constant, step or cosine. */
        public Builder lrSchedule(String v) {
            lrSchedule = v;
            return this;
        }

        /** The step schedule: epochs between decays, and the decay factor. */
        public Builder lrStep(int epochsBetween, double gamma) {
            lrStepEpochs = epochsBetween;
            lrGamma = gamma;
            return this;
        }

        /** The cosine schedule's final learning rate. */
        public Builder lrMin(double v) {
            lrMin = v;
            return this;
        }

        /** Linear warm-up of the learning rate, in epochs. */
        public Builder warmupEpochs(double v) {
            warmupEpochs = v;
            return this;
        }

        /**
         * Early stopping on {@code monitor} (val_loss, val_accuracy or loss; null or empty for none) after
         * {@code patience} epochs without an improvement of more than {@code minDelta}.
         */
        public Builder earlyStopping(String monitor, int patienceEpochs, double delta, boolean restore) {
            earlyStoppingMonitor = monitor;
            patience = patienceEpochs;
            minDelta = delta;
            restoreBest = restore;
            return this;
        }

        /**
         * Random shifts of up to {@code shift} pixels and rotations of up to {@code rotation}
         * degrees; {@code fill} is each channel's value for uncovered pixels (null: 0).
         */
        public Builder augmentation(int shift, double rotation, float[] fill) {
            augmentShift = shift;
            augmentRotation = rotation;
            augmentFill = fill;
            return this;
        }

        public Builder aggregationDepth(int v) {
            aggregationDepth = v;
            return this;
        }

        /** A progress line every this many steps (0: epoch ends only). */
        public Builder logEvery(int v) {
            logEvery = v;
            return this;
        }

        /** job, barrier or auto ({@link StepMode}). */
        public Builder stepMode(String v) {
            stepMode = v;
            return this;
        }

        /** The validated configuration. */
        public TrainConfig build() {
            Optimizer o = OptimizerChoice.named(optimizer).betas(beta1, beta2).epsilon(epsilon).weightDecay(weightDecay)
                .momentum(momentum, nesterov).build();
            LearningRate.Schedule schedule;
            try {
                schedule = LearningRate.Schedule.valueOf(lrSchedule);
            } catch (IllegalArgumentException e) {
                throw new SettingException("lrSchedule must be constant, step or cosine, got '" + lrSchedule + "'",
                    "lrSchedule");
            }
            EarlyStopping es = earlyStoppingMonitor == null || earlyStoppingMonitor.isEmpty() ? null
                : new EarlyStopping(earlyStoppingMonitor, patience, minDelta, restoreBest);
            return new TrainConfig(epochs, batchSize, seed, o,
                new LearningRate(learningRate, schedule, lrStepEpochs, lrGamma, lrMin, warmupEpochs),
                new Regularization(l1, l2), loss, aggregationDepth, es, logEvery,
                new Augmentation(augmentShift, augmentRotation, augmentFill), StepMode.parse(stepMode), freezeLayers);
        }
    }
}
