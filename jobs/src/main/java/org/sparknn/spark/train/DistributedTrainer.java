package org.sparknn.spark.train;

import java.io.IOException;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.sparknn.nn.loss.Loss;
import org.sparknn.nn.model.Network;
import org.sparknn.nn.random.Seeds;
import org.sparknn.nn.train.Augmentation;
import org.sparknn.nn.train.TrainState;
import org.sparknn.spark.collective.BarrierSettings;
import org.sparknn.spark.task.TaskWeights;
import org.sparknn.spark.task.Worker;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

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
    /** Progress callbacks; all run on the driver. */
    public interface Listener {
        default void step(int epoch, int step, int steps, double loss, double accuracy, double imagesPerSecond,
                          double etaSeconds) {
        }

        default void epoch(EpochMetrics metrics) {
        }

        default void checkpoint(String path) {
        }

        /** The step mode the run takes, and why. */
        default void stepMode(StepMode mode, String why) {
        }
    }

    /** The outcome: the final state (best weights when restored) and the run's history. */
    public record Result(TrainState state, RunState run) {
    }

    /** Loss (the weighted mean when the rows have weights), accuracy and example count of an evaluation. */
    public record LossAndAccuracy(double loss, double accuracy, long count) {
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DistributedTrainer.class);

    private final JavaSparkContext sc;
    private final SparkSession spark;
    private final Network net;
    private final String specJson;
    private final TrainConfig config;
    /** Each executor's exchange as barrier segments found them, for the next segment's tasks. */
    private java.util.Map<String, org.sparknn.spark.collective.Peer> executors = java.util.Map.of();

    public DistributedTrainer(SparkSession spark, Network net, TrainConfig config) {
        this.sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        this.spark = spark;
        this.net = net;
        this.specJson = net.spec().toJson();
        this.config = config;
    }

    /** Rows of the blocks, counted on the cluster. */
    static long rows(JavaRDD<Block> blocks) {
        return blocks.map(Block::size).fold(0, Integer::sum).longValue();
    }

    /**
     * Trains from {@code run} (the start, or a restored checkpoint) to the configured epoch count,
     * or until early stopping ends the run.
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
        TrainConfig.EarlyStopping es = config.earlyStopping();
        if (es != null && es.needsValidation() && validation == null) {
            throw new IllegalArgumentException("early stopping monitors " + es.monitor() + " but there is no validation data");
        }
        float[] best = bestParams;
        RunState r = run;
        boolean barrier = stepMode(train.getNumPartitions(), listener) == StepMode.barrier;
        while (r.epoch() < config.epochs() && !r.stopped()) {
            int epoch = r.epoch();
            EpochSums sums = new EpochSums(r);
            double lr = barrier ? trainEpochInSegments(train, state, r, sums, steps, best, checkpoints, listener)
                : trainEpoch(train, state, r, sums, steps, best, checkpoints, listener);
            LossAndAccuracy val = null;
            if (validation != null) {
                sc.setJobDescription(String.format("validate: epoch %d/%d", epoch + 1, config.epochs()));
                long start = System.nanoTime();
                val = evaluate(validation, state.params());
                sums.seconds += (System.nanoTime() - start) / 1e9;
            }
            EpochMetrics m = sums.metrics(epoch + 1, steps, lr, val);
            TrainConfig.EarlyStopping.Decision d = es == null ? TrainConfig.EarlyStopping.Decision.of(r)
                : es.after(r, epoch + 1, es.monitored(m));
            if (d.improved() && es.restoreBest()) {
                best = state.params().clone();
            }
            r = r.nextEpoch(m, d.bestValue(), d.bestEpoch(), d.epochsWithoutImprovement(), d.stop());
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

    /**
     * The remaining steps of {@code r}'s epoch: one gradient job and one optimizer update each,
     * progress lines and mid-epoch checkpoints as configured.
     *
     * @return the learning rate of the epoch's last step
     */
    private double trainEpoch(JavaRDD<Block> train, TrainState state, RunState r, EpochSums sums, int steps,
                              float[] best, Checkpoints checkpoints, Listener listener) throws IOException {
        int epoch = r.epoch();
        long totalSteps = (long) steps * config.epochs();
        StepTimes times = new StepTimes();
        double lr = 0;
        for (int step = r.stepInEpoch(); step < steps; step++) {
            long start = System.nanoTime();
            long global = (long) epoch * steps + step;
            lr = config.learningRate().at(global, steps, totalSteps);
            sc.setJobDescription(String.format("train: epoch %d/%d, step %d/%d", epoch + 1, config.epochs(), step + 1, steps));
            GradientSum.Node g = gradient(train, state.params(), epoch, step, steps, times);
            long optStart = System.nanoTime();
            double penalty = state.applyGradientSum(g.grad, g.weight, lr);
            times.optimizerNanos += System.nanoTime() - optStart;
            sums.add(g, penalty, (System.nanoTime() - start) / 1e9);
            boolean last = step + 1 == steps;
            if (config.logEverySteps() > 0 && (step + 1) % config.logEverySteps() == 0 && !last) {
                double eta = (totalSteps - global - 1) * sums.seconds / (step + 1);
                listener.step(epoch + 1, step + 1, steps, sums.loss(step + 1), sums.accuracy(), sums.count / sums.seconds,
                    eta);
            }
            if (checkpoints != null && checkpoints.everySteps() > 0 && (global + 1) % checkpoints.everySteps() == 0
                    && !last) {
                listener.checkpoint(checkpoints.save(state, sums.midEpoch(r, step + 1), best, global + 1));
            }
        }
        LOG.info("epoch {}: {} steps; driver time: shipping weights {} s, gradient jobs {} s, optimizer {} s",
            epoch + 1, steps - r.stepInEpoch(), String.format("%.2f", times.shipNanos / 1e9),
            String.format("%.2f", times.jobNanos / 1e9), String.format("%.2f", times.optimizerNanos / 1e9));
        return lr;
    }

    /**
     * The step mode this run takes: job or barrier as configured; auto takes barrier when the
     * cluster can run all {@code partitions} tasks at once and allocates no executors on demand,
     * and says why when it takes job. A barrier run that cannot be is an error naming the setting.
     */
    StepMode stepMode(int partitions, Listener listener) {
        StepMode asked = config.stepMode();
        if (asked == StepMode.job) {
            listener.stepMode(StepMode.job, "asked for");
            return StepMode.job;
        }
        String against = BarrierSlots.against(sc.sc(), partitions);
        if (against == null) {
            listener.stepMode(StepMode.barrier, asked == StepMode.auto ? "auto: " + (partitions == 1
                ? "1 gang-scheduled task fits the task slots" : partitions + " gang-scheduled tasks fit the task slots")
                : "asked for");
            return StepMode.barrier;
        }
        if (asked == StepMode.barrier) {
            throw new org.sparknn.nn.spec.SettingException("stepMode barrier cannot run here: " + against, "stepMode");
        }
        LOG.info("step mode auto: job, because {}", against);
        listener.stepMode(StepMode.job, "auto: " + against);
        return StepMode.job;
    }

    /**
     * The remaining steps of {@code r}'s epoch in barrier mode: segments of gang-scheduled steps that
     * end where a mid-epoch checkpoint is due, and at the epoch's end.
     *
     * @return the learning rate of the epoch's last step
     */
    private double trainEpochInSegments(JavaRDD<Block> train, TrainState state, RunState r, EpochSums sums, int steps,
                                        float[] best, Checkpoints checkpoints, Listener listener) throws IOException {
        int epoch = r.epoch();
        long totalSteps = (long) steps * config.epochs();
        long every = checkpoints == null ? 0 : checkpoints.everySteps();
        long computeNanos = 0;
        long exchangeNanos = 0;
        long optimizerNanos = 0;
        long messages = 0;
        long values = 0;
        for (int from = r.stepInEpoch(); from < steps; ) {
            long first = (long) epoch * steps + from;
            int to = every > 0 ? (int) Math.min(steps, (first / every + 1) * every - (long) epoch * steps) : steps;
            BarrierSegment.Result result = segment(train, state, epoch, from, to, steps, sums, totalSteps, listener);
            state.restore(result.state().params(), result.state().optimizerState(), result.state().optimizerStep());
            sums.set(result.sums());
            computeNanos += result.computeNanos();
            exchangeNanos += result.exchangeNanos();
            optimizerNanos += result.optimizerNanos();
            messages += result.messagesSent();
            values += result.valuesSent();
            if (to < steps) {
                listener.checkpoint(checkpoints.save(state, sums.midEpoch(r, to), best, (long) epoch * steps + to));
            }
            from = to;
        }
        int done = steps - r.stepInEpoch();
        LOG.info("epoch {}: {} steps in barrier mode; partition 0's time: compute {} s, exchange {} s, optimizer ({}) {} s;"
            + " it sent {} messages and {} values per step", epoch + 1, done,
            String.format("%.2f", computeNanos / 1e9), String.format("%.2f", exchangeNanos / 1e9),
            BarrierSettings.shardedOptimizer(spark.conf()) ? "sharded" : "replicated",
            String.format("%.2f", optimizerNanos / 1e9), messages / Math.max(1, done), values / Math.max(1, done));
        return config.learningRate().at((long) epoch * steps + steps - 1, steps, totalSteps);
    }

    /**
     * Runs the steps [from, to) of {@code epoch} as one barrier stage and returns partition 0's
     * result. Spark does not retry a failed barrier result stage, so a segment that fails (a lost
     * executor, a peer that timed out) runs again here from the state the driver holds, to the same
     * bits, up to {@code spark.stage.maxConsecutiveAttempts} times; a bad input or setting fails
     * at once. Step lines of an attempt that repeats steps already reported are not repeated.
     */
    private BarrierSegment.Result segment(JavaRDD<Block> train, TrainState state, int epoch, int from, int to, int steps,
                                          EpochSums sums, long totalSteps, Listener listener) {
        Broadcast<BarrierSegment.Start> start = sc.broadcast(new BarrierSegment.Start(state.params().clone(),
            state.optimizerState().clone(), state.step()));
        double seconds0 = sums.seconds;
        long started = System.nanoTime();
        sc.setJobDescription(String.format("train: epoch %d/%d, steps %d-%d of %d (barrier)", epoch + 1, config.epochs(),
            from + 1, to, steps));
        boolean local = sc.sc().isLocal();
        int attempts = sc.getConf().getInt("spark.stage.maxConsecutiveAttempts", 4);
        int[] reported = {-1};
        try (ProgressRelay.Registration progress = ProgressRelay.register(local, p -> {
            if (p.step() <= reported[0]) {
                return;
            }
            reported[0] = p.step();
            double seconds = seconds0 + (System.nanoTime() - started) / 1e9;
            long global = (long) p.epoch() * steps + p.step();
            double eta = (totalSteps - global - 1) * seconds / (p.step() + 1);
            BarrierSegment.Sums s = p.sums();
            listener.step(p.epoch() + 1, p.step() + 1, steps, s.loss() / s.weight() + s.penalty() / (p.step() + 1),
                (double) s.correct() / s.count(), s.count() / seconds, eta);
        })) {
            for (int attempt = 1; ; attempt++) {
                BarrierSegment task = new BarrierSegment(java.util.UUID.randomUUID().toString(), start, specJson, config,
                    epoch, from, to, steps, sums.toSums(), local, executors, BarrierSettings.timeoutNanos(sc.getConf()),
                    BarrierSettings.shardedOptimizer(spark.conf()), progress.address());
                ClassTag<BarrierSegment.Result> tag = ClassTag$.MODULE$.apply(BarrierSegment.Result.class);
                List<BarrierSegment.Result> results;
                try {
                    results = JavaRDD.fromRDD(train.rdd().barrier().mapPartitions(task, false, tag), tag).collect();
                } catch (Exception e) { // Spark's job failure is a checked SparkException, undeclared
                    if (org.sparknn.io.SparkJob.inputError(e) != null) {
                        throw e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
                    }
                    if (attempt >= attempts) {
                        throw new IllegalStateException(String.format("epoch %d, steps %d-%d (barrier) failed %d times"
                            + " (spark.stage.maxConsecutiveAttempts); the last failure: %s", epoch + 1, from + 1, to,
                            attempts, e.getMessage()), e);
                    }
                    LOG.warn("epoch {}, steps {}-{} (barrier) failed: {}; running them again from the state the driver"
                        + " holds (attempt {} of {})", epoch + 1, from + 1, to, org.sparknn.io.SparkJob.rootCause(e),
                        attempt + 1, attempts);
                    executors = java.util.Map.of(); // the tasks find each other afresh
                    continue;
                }
                if (results.size() != 1) {
                    throw new IllegalStateException("a barrier segment returned " + results.size() + " results, expected 1");
                }
                sums.seconds = seconds0 + (System.nanoTime() - started) / 1e9;
                executors = results.get(0).executors();
                return results.get(0);
            }
        } finally {
            start.destroy();
        }
    }

    /** The sums of an epoch's steps so far: from a checkpoint's, then step by step. */
    private static final class EpochSums {
        double loss;
        long correct;
        long count;
        double weight;
        double penalty;
        double seconds;

        EpochSums(RunState r) {
            loss = r.epochLoss();
            correct = r.epochCorrect();
            count = r.epochCount();
            weight = r.epochWeightSum();
            penalty = r.epochPenalty();
            seconds = r.epochSeconds();
        }

        /** Takes a barrier segment's sums (its seconds are the driver's to count). */
        void set(BarrierSegment.Sums s) {
            loss = s.loss();
            correct = s.correct();
            count = s.count();
            weight = s.weight();
            penalty = s.penalty();
        }

        BarrierSegment.Sums toSums() {
            return new BarrierSegment.Sums(loss, correct, count, weight, penalty);
        }

        void add(GradientSum.Node g, double stepPenalty, double stepSeconds) {
            loss += g.loss;
            correct += g.correct;
            count += g.count;
            weight += g.weight;
            penalty += stepPenalty;
            seconds += stepSeconds;
        }

        /** Mean loss per example (weighted) plus the mean penalty per step, after {@code steps} steps. */
        double loss(int steps) {
            return loss / weight + penalty / steps;
        }

        double accuracy() {
            return (double) correct / count;
        }

        RunState midEpoch(RunState r, int stepsDone) {
            return r.midEpoch(stepsDone, loss, correct, count, weight, penalty, seconds);
        }

        EpochMetrics metrics(int epoch, int steps, double lr, LossAndAccuracy val) {
            return new EpochMetrics(epoch, loss(steps), accuracy(), val == null ? null : val.loss(),
                val == null ? null : val.accuracy(), lr, seconds, count / seconds);
        }
    }

    /** Driver-side time of an epoch's steps, nanoseconds: shipping weights, gradient jobs, optimizer. */
    static final class StepTimes {
        long shipNanos;
        long jobNanos;
        long optimizerNanos;
    }

    /** The summed gradient, loss, correct count and example count of one global step. */
    GradientSum.Node gradient(JavaRDD<Block> blocks, float[] params, int epoch, int step, int steps, StepTimes times) {
        long start = System.nanoTime();
        TaskWeights weights = TaskWeights.ship(sc, params);
        long shipped = System.nanoTime();
        times.shipNanos += shipped - start;
        try {
            GradientSum sum = BlockAggregation.run(blocks, new StepFunction(weights, specJson, config.loss(), config.seed(), epoch,
                step, steps, blocks.getNumPartitions(), Math.min(config.batchSize(), Worker.PASS_ROWS), config.augmentation()),
                config.aggregationDepth());
            return sum.total();
        } finally {
            weights.release();
            times.jobNanos += System.nanoTime() - shipped;
        }
    }

    /** A training step's task: the partition's gradient share (see {@link #partitionGradient}). */
    private record StepFunction(TaskWeights params, String spec, String loss, long seed, int epoch, int step,
                                int steps, int partitions, int capacity, Augmentation augmentation)
        implements BlockAggregation.PartitionFunction {
        @Override
        public GradientSum leaf(Block b) {
            return partitionGradient(b, params.value(), spec, loss, seed, epoch, step, steps, partitions, capacity,
                augmentation, null);
        }
    }

    /** Where a partition's gradient goes as its parts become final, while the backward pass goes on. */
    interface GradientSink {
        /**
         * Values {@code [from, to)} of {@code grad} are final for the step; the partition's loss,
         * correct, example and weight sums of the step are final too.
         */
        void ready(float[] grad, int from, int to, double loss, long correct, long count, double weight);
    }

    /**
     * One partition's share of a step: forward and backward over its rows, chunk by chunk. With a
     * {@code sink}, the last chunk's backward pass hands it each layer's gradient as soon as it is
     * final.
     */
    static GradientSum partitionGradient(Block b, float[] params, String spec, String lossName, long seed, int epoch,
                                         int step, int steps, int partitions, int capacity, Augmentation augmentation,
                                         GradientSink sink) {
        int[] slice = b.slice(step, steps);
        int count = slice[1] - slice[0];
        if (count == 0) {
            return GradientSum.leaf(partitions, b.partition, null, 0, 0, 0, 0);
        }
        Network net = Worker.network(spec);
        Network.Workspace ws = Worker.workspace(spec, capacity);
        int[] labels = Worker.labels(capacity);
        float[] weights = b.w == null ? null : Worker.weights(capacity);
        Loss loss = Loss.parse(lossName);
        int[] order = b.order(seed, epoch);
        float[] grad = new float[net.paramCount()];
        float[] input = ws.input();
        int len = b.length;
        double lossSum = 0;
        long correct = 0;
        double weight = b.weight(order, slice[0], slice[1]);
        for (int from = slice[0], chunk = 0; from < slice[1]; from += capacity, chunk++) {
            int m = Math.min(capacity, slice[1] - from);
            for (int i = 0; i < m; i++) {
                int row = order[from + i];
                b.copyRow(row, input, i * len);
                labels[i] = b.y[row];
                if (weights != null) {
                    weights[i] = b.w[row];
                }
                if (augmentation.active()) {
                    augmentation.apply(input, i * len, net.inputShape(), Seeds.mix(seed, epoch, step,
                        ((long) b.partition << 32) | row), Worker.scratch(len));
                }
            }
            Network.PassListener listener = null;
            if (sink != null && from + capacity >= slice[1]) {
                double lossBefore = lossSum;
                long correctBefore = correct;
                listener = new Network.PassListener() {
                    private double stepLoss;
                    private long stepCorrect;

                    @Override
                    public void lossReady(double chunkLoss, int chunkCorrect) {
                        stepLoss = lossBefore + chunkLoss;
                        stepCorrect = correctBefore + chunkCorrect;
                    }

                    @Override
                    public void gradientReady(int lo, int hi) {
                        sink.ready(grad, lo, hi, stepLoss, stepCorrect, count, weight);
                    }
                };
            }
            lossSum += net.forwardBackward(params, grad, ws, labels, weights, 0, m, loss,
                Seeds.mix(seed, epoch, step, ((long) b.partition << 32) | chunk), listener);
            correct += ws.correct();
        }
        return GradientSum.leaf(partitions, b.partition, grad, lossSum, correct, count, weight);
    }

    /** Mean loss and accuracy of {@code params} over all rows of the blocks (no dropout). */
    public LossAndAccuracy evaluate(JavaRDD<Block> blocks, float[] params) {
        TaskWeights weights = TaskWeights.ship(sc, params);
        try {
            GradientSum.Node total = BlockAggregation.run(blocks, new EvaluationFunction(weights, specJson, config.loss(),
                blocks.getNumPartitions(), Math.max(config.batchSize(), Worker.PASS_ROWS)), config.aggregationDepth()).total();
            return new LossAndAccuracy(total.weight > 0 ? total.loss / total.weight : 0,
                (double) total.correct / Math.max(1, total.count), total.count);
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
            lossSum += net.evaluate(params, ws, b.y, b.w, from, m, loss);
            correct += ws.correct();
        }
        return GradientSum.leaf(partitions, b.partition, null, lossSum, correct, b.n, b.weight(null, 0, b.n));
    }
}
