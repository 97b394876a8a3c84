package org.sparknn.spark.train;

import java.io.IOException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.sparknn.nn.loss.Loss;
import org.sparknn.nn.model.Network;
import org.sparknn.nn.random.Seeds;
import org.sparknn.nn.train.Augmentation;
import org.sparknn.nn.train.TrainState;
import org.sparknn.spark.task.TaskWeights;
import org.sparknn.spark.task.Worker;

/**
 * Data-parallel mini-batch training over cached {@link Block}s. Each step ships the
 * parameters to the tasks ({@link TaskWeights}: a broadcast, or inside the task for small models on
 * clusters); every partition runs forward/backward on its share of the global batch and adds
 * into one gradient array; {@code treeAggregate} with a null zero value brings the partial sums to
 * the driver, merged in a fixed order ({@link GradientSum}); the driver averages, regularizes and
 * applies the optimizer, then releases the shipped weights. Every random choice is seeded by (seed,
 * epoch, step, partition), so a run is reproducible to the bit for a given partition count, and a
 * re-executed task changes nothing.
 */
public final class DistributedTrainer {
    /** Largest number of examples a task pushes through the network at once. */

    /** Progress callbacks; all run on the driver. */
    public interface Listener {
        default void step(int epoch, int step, int steps, double loss, double accuracy, double imagesPerSecond,
                          double etaSeconds) {
        }

        default void epoch(EpochMetrics metrics) {
        }

        default void checkpoint(String path) {
        }
    }

    /** The outcome: the final state (best weights when restored) and the run's history. */
    public record Result(TrainState state, RunState run) {
    }

    /** Loss, accuracy and example count of an evaluation. */
    public record LossAndAccuracy(double loss, double accuracy, long count) {
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DistributedTrainer.class);

    private final JavaSparkContext sc;
    /** Driver-side time split of the current epoch, nanoseconds: shipping weights, gradient job, optimizer. */
    private long shipNanos;
    private long jobNanos;
    private long optimizerNanos;
    private final Network net;
    private final String specJson;
    private final TrainConfig config;

    public DistributedTrainer(SparkSession spark, Network net, TrainConfig config) {
        this.sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        this.net = net;
        this.specJson = net.spec().toJson();
        this.config = config;
    }

    /** Rows of the blocks, counted on the cluster. */
    static long rows(JavaRDD<Block> blocks) {
        return blocks.map(Block::size).fold(0, Integer::sum).longValue();
    }

    /**
     * Trains from {@code run} (the start, or a restored checkpoint) to the configured epoch count.
     *
     * @param validation validation blocks, or null
     * @param bestParams the best weights so far when resuming with early stopping, else null
     * @param checkpoints where to checkpoint, or null
     */
    public Result fit(JavaRDD<Block> train, JavaRDD<Block> validation, TrainState state, RunState run,
                      float[] bestParams, Checkpoints checkpoints, Listener listener) throws IOException {
        long n = rows(train);
        if (n == 0) {
            throw new IllegalArgumentException("the training data has no rows");
        }
        int steps = (int) ((n + config.batchSize() - 1) / config.batchSize());
        long totalSteps = (long) steps * config.epochs();
        TrainConfig.EarlyStopping es = config.earlyStopping();
        if (es != null && validation == null) {
            throw new IllegalArgumentException("early stopping monitors " + es.monitor() + " but there is no validation data");
        }
        float[] best = bestParams;
        RunState r = run;
        while (r.epoch() < config.epochs() && !r.stopped()) {
            int epoch = r.epoch();
            double lossSum = r.epochLoss();
            long correct = r.epochCorrect();
            long count = r.epochCount();
            double penalty = r.epochPenalty();
            double seconds = r.epochSeconds();
            double lr = 0;
            shipNanos = 0;
            jobNanos = 0;
            optimizerNanos = 0;
            for (int step = r.stepInEpoch(); step < steps; step++) {
                long start = System.nanoTime();
                long global = (long) epoch * steps + step;
                lr = config.learningRate().at(global, steps, totalSteps);
                sc.setJobDescription(String.format("train: epoch %d/%d, step %d/%d", epoch + 1, config.epochs(), step + 1, steps));
                GradientSum.Node g = gradient(train, state.params(), epoch, step, steps);
                long optStart = System.nanoTime();
                penalty += state.applyGradientSum(g.grad, g.count, lr);
                optimizerNanos += System.nanoTime() - optStart;
                lossSum += g.loss;
                correct += g.correct;
                count += g.count;
                seconds += (System.nanoTime() - start) / 1e9;
                if (config.logEverySteps() > 0 && (step + 1) % config.logEverySteps() == 0 && step + 1 < steps) {
                    double ips = count / seconds;
                    double eta = (totalSteps - global - 1) * seconds / (step + 1);
                    listener.step(epoch + 1, step + 1, steps, lossSum / count + penalty / (step + 1), (double) correct / count,
                        ips, eta);
                }
                if (checkpoints != null && checkpoints.everySteps() > 0 && (global + 1) % checkpoints.everySteps() == 0
                        && step + 1 < steps) {
                    RunState mid = r.midEpoch(step + 1, lossSum, correct, count, penalty, seconds);
                    listener.checkpoint(checkpoints.save(state, mid, best, global + 1));
                }
            }
            Double valLoss = null;
            Double valAccuracy = null;
            if (validation != null) {
                sc.setJobDescription(String.format("validate: epoch %d/%d", epoch + 1, config.epochs()));
                long vs = System.nanoTime();
                LossAndAccuracy v = evaluate(validation, state.params());
                seconds += (System.nanoTime() - vs) / 1e9;
                valLoss = v.loss();
                valAccuracy = v.accuracy();
            }
            LOG.info("epoch {}: {} steps; driver time: shipping weights {} s, gradient jobs {} s, optimizer {} s",
                epoch + 1, steps - r.stepInEpoch(), String.format("%.2f", shipNanos / 1e9),
                String.format("%.2f", jobNanos / 1e9), String.format("%.2f", optimizerNanos / 1e9));
            EpochMetrics m = new EpochMetrics(epoch + 1, lossSum / count + penalty / steps, (double) correct / count,
                valLoss, valAccuracy, lr, seconds, count / seconds);
            Double bestValue = r.bestValue();
            int bestEpoch = r.bestEpoch();
            int wait = r.epochsWithoutImprovement();
            boolean stopped = false;
            if (es != null) {
                double value = es.maximize() ? valAccuracy : valLoss;
                boolean improved = bestValue == null
                    || (es.maximize() ? value > bestValue + es.minDelta() : value < bestValue - es.minDelta());
                if (improved) {
                    bestValue = value;
                    bestEpoch = epoch + 1;
                    wait = 0;
                    if (es.restoreBest()) {
                        best = state.params().clone();
                    }
                } else {
                    wait++;
                    stopped = wait >= es.patience();
                }
            }
            r = r.nextEpoch(m, bestValue, bestEpoch, wait, stopped);
            listener.epoch(m);
            if (checkpoints != null) {
                listener.checkpoint(checkpoints.save(state, r, best, (long) (epoch + 1) * steps));
            }
        }
        sc.setJobDescription(null);
        if (es != null && es.restoreBest() && best != null) {
            System.arraycopy(best, 0, state.params(), 0, best.length);
        }
        return new Result(state, r);
    }

    /** The summed gradient, loss, correct count and example count of one global step. */
    GradientSum.Node gradient(JavaRDD<Block> blocks, float[] params, int epoch, int step, int steps) {
        long start = System.nanoTime();
        TaskWeights weights = TaskWeights.ship(sc, params);
        long shipped = System.nanoTime();
        shipNanos += shipped - start;
        try {
            GradientSum sum = BlockAggregation.run(blocks, new StepFunction(weights, specJson, config.loss(), config.seed(), epoch,
                step, steps, blocks.getNumPartitions(), Math.min(config.batchSize(), Worker.PASS_ROWS), config.augmentation()),
                config.aggregationDepth());
            return sum.total();
        } finally {
            weights.release();
            jobNanos += System.nanoTime() - shipped;
        }
    }

    /** A training step's task: the partition's gradient share (see {@link #partitionGradient}). */
    private record StepFunction(TaskWeights params, String spec, String loss, long seed, int epoch, int step,
                                int steps, int partitions, int capacity, Augmentation augmentation)
        implements BlockAggregation.PartitionFunction {
        @Override
        public GradientSum leaf(Block b) {
            return partitionGradient(b, params.value(), spec, loss, seed, epoch, step, steps, partitions, capacity,
                augmentation);
        }
    }

    /** One partition's share of a step: forward and backward over its rows, chunk by chunk. */
    static GradientSum partitionGradient(Block b, float[] params, String spec, String lossName, long seed, int epoch,
                                         int step, int steps, int partitions, int capacity, Augmentation augmentation) {
        int[] slice = b.slice(step, steps);
        int count = slice[1] - slice[0];
        if (count == 0) {
            return GradientSum.leaf(partitions, b.partition, null, 0, 0, 0);
        }
        Network net = Worker.network(spec);
        Network.Workspace ws = Worker.workspace(spec, capacity);
        int[] labels = Worker.labels(capacity);
        Loss loss = Loss.parse(lossName);
        int[] order = b.order(seed, epoch);
        float[] grad = new float[net.paramCount()];
        float[] input = ws.input();
        int len = b.length;
        double lossSum = 0;
        long correct = 0;
        for (int from = slice[0], chunk = 0; from < slice[1]; from += capacity, chunk++) {
            int m = Math.min(capacity, slice[1] - from);
            for (int i = 0; i < m; i++) {
                int row = order[from + i];
                b.copyRow(row, input, i * len);
                labels[i] = b.y[row];
                if (augmentation.active()) {
                    augmentation.apply(input, i * len, net.inputShape(), Seeds.mix(seed, epoch, step,
                        ((long) b.partition << 32) | row), Worker.scratch(len));
                }
            }
            lossSum += net.forwardBackward(params, grad, ws, labels, 0, m, loss,
                Seeds.mix(seed, epoch, step, ((long) b.partition << 32) | chunk));
            correct += ws.correct();
        }
        return GradientSum.leaf(partitions, b.partition, grad, lossSum, correct, count);
    }

    /** Mean loss and accuracy of {@code params} over all rows of the blocks (no dropout). */
    public LossAndAccuracy evaluate(JavaRDD<Block> blocks, float[] params) {
        TaskWeights weights = TaskWeights.ship(sc, params);
        try {
            GradientSum.Node total = BlockAggregation.run(blocks, new EvaluationFunction(weights, specJson, config.loss(),
                blocks.getNumPartitions(), Math.max(config.batchSize(), Worker.PASS_ROWS)), config.aggregationDepth()).total();
            return new LossAndAccuracy(total.loss / Math.max(1, total.count), (double) total.correct / Math.max(1, total.count),
                total.count);
        } finally {
            weights.release();
        }
    }

    /** An evaluation's task: the partition's loss and correct count (see {@link #partitionEvaluation}). */
    private record EvaluationFunction(TaskWeights params, String spec, String loss, int partitions, int capacity)
        implements BlockAggregation.PartitionFunction {
        @Override
        public GradientSum leaf(Block b) {
            return partitionEvaluation(b, params.value(), spec, loss, partitions, capacity);
        }
    }

    static GradientSum partitionEvaluation(Block b, float[] params, String spec, String lossName, int partitions,
                                           int capacity) {
        Network net = Worker.network(spec);
        Network.Workspace ws = Worker.workspace(spec, capacity);
        Loss loss = Loss.parse(lossName);
        float[] input = ws.input();
        int len = b.length;
        double lossSum = 0;
        long correct = 0;
        for (int from = 0; from < b.n; from += capacity) {
            int m = Math.min(capacity, b.n - from);
            b.copyRows(from, m, input, 0);
            lossSum += net.evaluate(params, ws, b.y, from, m, loss);
            correct += ws.correct();
        }
        return GradientSum.leaf(partitions, b.partition, null, lossSum, correct, b.n);
    }
}
