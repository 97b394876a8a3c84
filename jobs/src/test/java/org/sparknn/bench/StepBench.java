package org.sparknn.bench;

import static org.apache.spark.sql.functions.col;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.TaskInfo;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.sparknn.dataset.DatasetSchema;
import org.sparknn.nn.layer.Shape;
import org.sparknn.nn.linalg.Blas;
import org.sparknn.nn.model.Network;
import org.sparknn.nn.optim.Adam;
import org.sparknn.nn.optim.LearningRate;
import org.sparknn.nn.optim.Regularization;
import org.sparknn.nn.spec.NetworkSpec;
import org.sparknn.nn.train.TrainState;
import org.sparknn.spark.task.TaskWeights;
import org.sparknn.spark.train.Block;
import org.sparknn.spark.train.Blocks;
import org.sparknn.spark.train.DistributedTrainer;
import org.sparknn.spark.train.EpochMetrics;
import org.sparknn.spark.train.GradientSum;
import org.sparknn.spark.train.Steps;
import org.sparknn.spark.train.StepMode;
import org.sparknn.spark.train.TrainConfig;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction2;
import scala.runtime.BoxedUnit;

/**
 * Training step times (global batch 128 over the training split of a dataset) on whatever master
 * the session has: whole epochs of steps run back to back, as in a training run
 * ({@link #trainEpochs}; run by bench/cluster-vs-local through {@link #main}, and by TrainBench),
 * next to as many jobs of the same shape without arithmetic (shipping the weights as the trainer
 * does, a gradient-sized partial sum per partition merged on the driver, releasing the weights).
 */
public final class StepBench {
    /**
     * {@code StepBench <dataset> <partitions> <preset> <epochs> [latency]}: trains the preset for
     * whole epochs of global batch 128 from a cold start, as a training run does, and prints the
     * median step of every epoch ("EPOCH preset epoch step_ms"), the summed step time ("RUN preset
     * seconds"), then the last epoch's median and that of the jobs without arithmetic ("STEP
     * preset step_ms overhead_ms"), and the CPU time of all the application's JVMs per step of the
     * last epoch ("CPU preset cpu_ms jvms cores_busy"); with {@code latency}, then {@link #jobLatency}. On a cluster
     * the first epochs are slower than the rest: an executor runs each task's Spark code path once
     * per step, so it takes a few thousand steps for the JIT to compile it.
     */
    public static void main(String[] args) throws Exception {
        SparkSession spark = SparkSession.builder().appName("spark-nn step bench").getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        int parts = Integer.parseInt(args[1]);
        String preset = args[2];
        int epochs = Integer.parseInt(args[3]);
        System.out.printf("master %s, %d partitions, driver BLAS %s%n", spark.sparkContext().master(), parts,
            Blas.get().describe());
        Dataset<Row> train = DatasetSchema.readSplit(spark, args[0], "train").repartition(parts, col("id"))
            .sortWithinPartitions("id");
        JavaRDD<Block> blocks = Blocks.cache(Blocks.ofDataset(train, 784, 10));
        trainEpochs(spark, blocks, preset, epochs);
        if (args.length > 4 && args[4].equals("latency")) {
            jobLatency(spark, blocks);
        }
        barrierEpochs(spark, blocks, preset, epochs);
        spark.stop();
    }

    /**
     * Trains {@code preset} as {@link #trainEpochs} does, in barrier steps, and prints each epoch's
     * mean step ("BARRIER preset epoch step_ms"): a segment's steps run inside its tasks, so the
     * driver sees the epoch, not the step.
     */
    static void barrierEpochs(SparkSession spark, JavaRDD<Block> blocks, String preset, int epochs)
            throws java.io.IOException {
        Network n = Network.build(NetworkSpec.preset(preset, new Shape(1, 28, 28), 10));
        TrainConfig config = new TrainConfig(epochs, 128, 42, Adam.defaults(), LearningRate.constant(0.001),
            Regularization.NONE, "cross_entropy", 2, null, 0, null, StepMode.barrier);
        long rows = blocks.map(b -> (long) b.size()).reduce(Long::sum);
        int steps = (int) ((rows + config.batchSize() - 1) / config.batchSize());
        TrainState state = TrainState.initial(n, config.optimizer(), config.regularization(), 42);
        for (EpochMetrics m : new DistributedTrainer(spark, n, config).fit(blocks, null, state,
                org.sparknn.spark.train.RunState.start(), null, null, new DistributedTrainer.Listener() { }).run().history()) {
            System.out.printf("BARRIER %s %d %.2f%n", preset, m.epoch(), m.seconds() * 1000 / steps);
        }
    }

    /**
     * Trains {@code preset} on cached {@code blocks} for {@code epochs} epochs of global batch 128
     * (Adam, learning rate 0.001) and prints their step times.
     */
    /** Trains {@code epochs} epochs; returns the last epoch's median step and the median job without arithmetic, in ms. */
    static double[] trainEpochs(SparkSession spark, JavaRDD<Block> blocks, String preset, int epochs)
            throws java.util.concurrent.TimeoutException {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        TrainConfig config = new TrainConfig(epochs, 128, 42, Adam.defaults(), LearningRate.constant(0.001),
            Regularization.NONE, "cross_entropy", 2, null, 0, null, StepMode.job);
        long rows = blocks.map(b -> (long) b.size()).reduce(Long::sum);
        int steps = (int) ((rows + config.batchSize() - 1) / config.batchSize());
        Network n = Network.build(NetworkSpec.preset(preset, new Shape(1, 28, 28), 10));
        DistributedTrainer t = new DistributedTrainer(spark, n, config);
        TrainState s = TrainState.initial(n, config.optimizer(), config.regularization(), 1);
        TaskTimes times = new TaskTimes();
        spark.sparkContext().addSparkListener(times);
        double total = 0;
        double last = 0;
        Map<Long, Long> cpuBefore = null;
        long lastEpochNanos = 0;
        for (int e = 0; e < config.epochs(); e++) {
            boolean lastEpoch = e == config.epochs() - 1;
            if (lastEpoch) {
                cpuBefore = applicationCpuNanos(blocks);
                lastEpochNanos = System.nanoTime();
            }
            sc.setJobGroup(lastEpoch ? TaskTimes.MEASURED_GROUP : "epoch " + e, "training step", false);
            double[] ms = new double[steps];
            for (int i = 0; i < steps; i++) {
                long a = System.nanoTime();
                s.applyGradientSum(Steps.gradient(t, blocks, s.params(), e, i, steps), 128, 0.001);
                ms[i] = (System.nanoTime() - a) / 1e6;
                total += ms[i];
            }
            last = median(ms);
            System.out.printf("EPOCH %s %d %.2f%n", preset, e + 1, last);
        }
        lastEpochNanos = System.nanoTime() - lastEpochNanos;
        sc.setJobGroup("cpu", "CPU probe", false);
        Map<Long, Long> cpuAfter = applicationCpuNanos(blocks);
        // as many probes as an epoch has steps: 100 of them, still warming up their own code,
        // measured more than a whole step on the cluster
        sc.setJobGroup("probe", "overhead probe", false);
        double[] overhead = new double[steps];
        for (int i = 0; i < steps; i++) {
            long b = System.nanoTime();
            float[] p = s.params();
            TaskWeights w = TaskWeights.ship(sc, p);
            probe(blocks, null, w, p.length);
            w.release();
            overhead[i] = (System.nanoTime() - b) / 1e6;
        }
        sc.clearJobGroup();
        spark.sparkContext().listenerBus().waitUntilEmpty(10_000);
        spark.sparkContext().removeSparkListener(times);
        double over = median(overhead);
        // The probe's own code path starts cold after the training, so after a long run on a
        // cluster it can take longer than the warm step: it is printed beside the step, not
        // subtracted from it.
        System.out.printf("%s (%d params): %d epochs of %d steps, step time %.1f s in all; last epoch's median step %.1f ms;"
            + " then the same job without arithmetic %.1f ms%n", preset, n.paramCount(), config.epochs(), steps, total / 1000,
            last, over);
        System.out.println("  last epoch's step tasks (medians): " + times.report());
        // CPU of every JVM of the application (driver and executors, JIT compiler and GC threads
        // included) over the last epoch, next to its wall time: shows whether the step waits for
        // the machine's cores
        double stepWall = lastEpochNanos / 1e6 / steps;
        double stepCpu = 0;
        StringBuilder perJvm = new StringBuilder();
        for (Map.Entry<Long, Long> jvm : cpuAfter.entrySet()) {
            Long before = cpuBefore.get(jvm.getKey());
            double ms = before == null ? Double.NaN : (jvm.getValue() - before) / 1e6 / steps;
            stepCpu += ms;
            perJvm.append(perJvm.length() == 0 ? "" : ", ").append(String.format("%.1f", ms));
        }
        System.out.printf("  last epoch's CPU: %.1f ms per step in %d JVM(s) (%s ms), over %.1f ms of wall time per step:"
            + " %.2f of the machine's %d cores busy%n", stepCpu, cpuAfter.size(), perJvm, stepWall, stepCpu / stepWall,
            Runtime.getRuntime().availableProcessors());
        System.out.printf("CPU %s %.2f %d %.2f%n", preset, stepCpu, cpuAfter.size(), stepCpu / stepWall);
        System.out.printf("RUN %s %.2f%nSTEP %s %.2f %.2f%n", preset, total / 1000, preset, last, over);
        return new double[] {last, over};
    }

    /** Job latency probes: warm-up runs, then measured runs. */
    private static final int WARMUP = 200;
    private static final int MEASURED = 100;

    /** Where a step's overhead goes: an empty job, a job with a broadcast, a job returning 400 KB per partition. */
    static void jobLatency(SparkSession spark, JavaRDD<Block> blocks) {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        double[] empty = new double[MEASURED];
        double[] broadcast = new double[MEASURED];
        double[] result = new double[MEASURED];
        for (int i = 0; i < MEASURED + WARMUP; i++) {
            long a = System.nanoTime();
            probe(blocks, null, null, 0);
            long b = System.nanoTime();
            Broadcast<float[]> bc = sc.broadcast(new float[100_000]);
            probe(blocks, bc, null, 0);
            bc.destroy();
            long c = System.nanoTime();
            probe(blocks, null, null, 100_000);
            long d = System.nanoTime();
            if (i >= WARMUP) {
                empty[i - WARMUP] = (b - a) / 1e6;
                broadcast[i - WARMUP] = (c - b) / 1e6;
                result[i - WARMUP] = (d - c) / 1e6;
            }
        }
        System.out.printf("median job latency (runJob, as the training steps): empty %.1f ms, with a 400 KB broadcast %.1f ms, "
            + "returning 400 KB per partition %.1f ms%n", median(empty), median(broadcast), median(result));
    }

    /**
     * One job through the trainer's runJob path: every task reads {@code bc} (if any) and returns a
     * {@link GradientSum} leaf of {@code floats} zeros, which the driver merges as the trainer does.
     */
    private static void probe(JavaRDD<Block> blocks, Broadcast<float[]> bc, TaskWeights weights, int floats) {
        int parts = blocks.getNumPartitions();
        blocks.context().runJob(blocks.rdd(), new Probe(bc, weights, floats, parts), scala.collection.immutable.Range$.MODULE$.apply(0,
            parts), new Merge(), scala.reflect.ClassTag$.MODULE$.apply(GradientSum.class));
    }

    /**
     * A step without its arithmetic: each task reads the weights (when given) and returns a partial
     * sum holding an array of the given size (a gradient, when it is the weights' size).
     */
    private static final class Probe extends AbstractFunction2<TaskContext, scala.collection.Iterator<Block>, GradientSum>
            implements Serializable {
        private final Broadcast<float[]> broadcast;
        private final TaskWeights weights;
        private final int floats;
        private final int partitions;

        Probe(Broadcast<float[]> broadcast, TaskWeights weights, int floats, int partitions) {
            this.broadcast = broadcast;
            this.weights = weights;
            this.floats = floats;
            this.partitions = partitions;
        }

        @Override
        public GradientSum apply(TaskContext context, scala.collection.Iterator<Block> blocks) {
            float[] w = broadcast != null ? broadcast.value() : weights != null ? weights.value() : null;
            float[] g = new float[floats];
            if (w != null && floats > 0) {
                g[0] = w[0];
            }
            return GradientSum.leaf(partitions, context.partitionId(), g, 0, 0, 0, 0);
        }
    }

    /**
     * Where the measured steps' task time goes, from Spark's own task metrics (millisecond
     * resolution): from job submission to task launch, deserializing the task (fetching the task
     * function, which every job broadcasts), running it, and the rest of launch-to-finish (result
     * serialization, status report, fetching the result on the driver).
     */
    private static final class TaskTimes extends SparkListener {
        static final String MEASURED_GROUP = "measured";
        private final Map<Integer, Long> jobStart = new HashMap<>();
        private final Map<Integer, Integer> stageJob = new HashMap<>();
        private final List<double[]> tasks = new ArrayList<>();

        @Override
        public synchronized void onJobStart(SparkListenerJobStart e) {
            if (MEASURED_GROUP.equals(e.properties().getProperty("spark.jobGroup.id"))) {
                jobStart.put(e.jobId(), e.time());
                CollectionConverters.asJava(e.stageIds()).forEach(stage -> stageJob.put((Integer) stage, e.jobId()));
            }
        }

        @Override
        public synchronized void onTaskEnd(SparkListenerTaskEnd e) {
            Integer job = stageJob.get(e.stageId());
            if (job == null || e.taskMetrics() == null) {
                return;
            }
            TaskInfo info = e.taskInfo();
            long deserialize = e.taskMetrics().executorDeserializeTime();
            long run = e.taskMetrics().executorRunTime();
            tasks.add(new double[] {info.launchTime() - jobStart.get(job), deserialize, run,
                info.finishTime() - info.launchTime() - deserialize - run});
        }

        synchronized String report() {
            double[][] columns = new double[4][tasks.size()];
            for (int i = 0; i < tasks.size(); i++) {
                for (int c = 0; c < 4; c++) {
                    columns[c][i] = tasks.get(i)[c];
                }
            }
            return tasks.isEmpty() ? "no task metrics" : String.format(
                "launched %.0f ms after submission, deserialize %.0f ms, run %.0f ms, result and status %.0f ms (%d tasks)",
                median(columns[0]), median(columns[1]), median(columns[2]), median(columns[3]), tasks.size());
        }
    }

    /** Merges the partials on the driver, as the trainer's result handler does. */
    private static final class Merge extends AbstractFunction2<Object, GradientSum, BoxedUnit> {
        private GradientSum sum;

        @Override
        public BoxedUnit apply(Object partition, GradientSum result) {
            sum = GradientSum.merge(sum, result);
            return BoxedUnit.UNIT;
        }
    }

    /**
     * CPU time used so far by each JVM of the application, by process id: the driver's own, and
     * each executor's as reported by a task that runs there (one per cached partition; in local
     * mode the driver is the executor).
     */
    static Map<Long, Long> applicationCpuNanos(JavaRDD<Block> blocks) {
        Map<Long, Long> cpu = new HashMap<>();
        cpu.put(ProcessHandle.current().pid(), processCpuNanos());
        List<long[]> executors = blocks.mapPartitions(
            b -> List.of(new long[] {ProcessHandle.current().pid(), processCpuNanos()}).iterator()).collect();
        for (long[] e : executors) {
            cpu.merge(e[0], e[1], Math::max);
        }
        return cpu;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime();
    }

    static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }

    private StepBench() {
    }
}
