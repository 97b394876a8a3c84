package org.sparknn.jobs;

import static org.apache.spark.sql.functions.col;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.sparknn.dataset.DatasetMetadata;
import org.sparknn.dataset.DatasetSchema;
import org.sparknn.io.AppAttempt;
import org.sparknn.io.AtomicOutput;
import org.sparknn.io.HadoopFiles;
import org.sparknn.io.ProgressReporter;
import org.sparknn.io.SparkJob;
import org.sparknn.nn.io.ModelDirectory;
import org.sparknn.nn.train.InitialWeights;
import org.sparknn.nn.layer.Shape;
import org.sparknn.nn.linalg.Blas;
import org.sparknn.nn.model.Network;
import org.sparknn.nn.optim.LearningRate;
import org.sparknn.nn.spec.ModelSpec;
import org.sparknn.nn.spec.NetworkSpec;
import org.sparknn.report.Report;
import org.sparknn.spark.store.ModelStore;
import org.sparknn.spark.train.Block;
import org.sparknn.spark.train.Blocks;
import org.sparknn.spark.train.Checkpoints;
import org.sparknn.spark.train.DistributedTrainer;
import org.sparknn.spark.train.EpochMetrics;
import org.sparknn.spark.train.RunState;
import org.sparknn.spark.train.TrainConfig;
import org.sparknn.spark.train.TrainingRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Trains a network on a spark-nn dataset by data-parallel mini-batch training and writes a model directory. */
@Command(name = "TrainJob", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Trains a neural network on a dataset written by IngestImagesJob: every partition computes the",
        "gradient of its share of each global mini-batch, the gradients are tree-aggregated to the driver",
        "and the driver applies the optimizer. Writes a model directory (spec.json, weights.bin,",
        "training.json, metrics.csv) atomically.", ""})
public final class TrainJob implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    SparkJob.Verbose verbose;
    @Option(names = "--dataset", required = true, description = "Dataset directory (train/, optional validation/ and test/).")
    String dataset;
    @Option(names = "--output", required = true, description = "Model directory to write.")
    String output;
    @Option(names = "--overwrite", description = "Replace an existing model directory.")
    boolean overwrite;
    @Option(names = "--model", description = "Preset: mlp, mlp2, cnn, cnn3 (default: mlp, or with --init-model that"
        + " model's network).")
    String preset;
    @Option(names = "--model-spec", description = "Network spec JSON file (instead of --model).")
    String specFile;
    @Option(names = "--epochs", defaultValue = "5", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;
    @Option(names = "--batch-size", defaultValue = "128", description = "Global mini-batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;
    @Option(names = "--optimizer", defaultValue = "adam", description = "adam, adamw or sgd (default: ${DEFAULT-VALUE}).")
    String optimizer;
    @Option(names = "--learning-rate", defaultValue = "0.001", description = "Learning rate (default: ${DEFAULT-VALUE}).")
    double learningRate;
    @Option(names = "--beta1", defaultValue = "0.9", description = "Adam beta1 (default: ${DEFAULT-VALUE}).")
    double beta1;
    @Option(names = "--beta2", defaultValue = "0.999", description = "Adam beta2 (default: ${DEFAULT-VALUE}).")
    double beta2;
    @Option(names = "--epsilon", defaultValue = "1e-7", description = "Adam epsilon (default: ${DEFAULT-VALUE}).")
    double epsilon;
    @Option(names = "--weight-decay", defaultValue = "0.004", description = "AdamW decoupled weight decay (default: ${DEFAULT-VALUE}).")
    double weightDecay;
    @Option(names = "--momentum", defaultValue = "0", description = "SGD momentum (default: ${DEFAULT-VALUE}).")
    double momentum;
    @Option(names = "--nesterov", description = "SGD with Nesterov momentum.")
    boolean nesterov;
    @Option(names = "--l1", defaultValue = "0", description = "L1 penalty on weights (default: ${DEFAULT-VALUE}).")
    double l1;
    @Option(names = "--l2", defaultValue = "0", description = "L2 penalty on weights (default: ${DEFAULT-VALUE}).")
    double l2;
    @Option(names = "--loss", defaultValue = "cross_entropy", description = "cross_entropy, mse or hinge (default: ${DEFAULT-VALUE}).")
    String loss;
    @Option(names = "--lr-schedule", defaultValue = "constant", description = "constant, step or cosine (default: ${DEFAULT-VALUE}).")
    LearningRate.Schedule schedule;
    @Option(names = "--lr-step-epochs", defaultValue = "1", description = "Step schedule: epochs between decays (default: ${DEFAULT-VALUE}).")
    int lrStepEpochs;
    @Option(names = "--lr-gamma", defaultValue = "0.5", description = "Step schedule: decay factor (default: ${DEFAULT-VALUE}).")
    double lrGamma;
    @Option(names = "--lr-min", defaultValue = "0", description = "Cosine schedule: final learning rate (default: ${DEFAULT-VALUE}).")
    double lrMin;
    @Option(names = "--warmup-epochs", defaultValue = "0", description = "Linear warm-up, in epochs (default: ${DEFAULT-VALUE}).")
    double warmupEpochs;
    @Option(names = "--early-stopping-monitor", description = "Stop when val_loss or val_accuracy (on the validation split) or loss (the training loss) stops improving.")
    String monitor;
    @Option(names = "--patience", defaultValue = "2", description = "Early stopping: epochs without improvement (default: ${DEFAULT-VALUE}).")
    int patience;
    @Option(names = "--min-delta", defaultValue = "0", description = "Early stopping: smallest improvement (default: ${DEFAULT-VALUE}).")
    double minDelta;
    @Option(names = "--no-restore-best", description = "Early stopping: keep the last weights instead of the best.")
    boolean noRestoreBest;
    @Option(names = "--augment-shift", defaultValue = "0", description = "Random shifts of up to N pixels (default: ${DEFAULT-VALUE}).")
    int augmentShift;
    @Option(names = "--augment-rotation", defaultValue = "0", description = "Random rotations of up to D degrees (default: ${DEFAULT-VALUE}).")
    double augmentRotation;
    @Option(names = "--seed", defaultValue = "42", description = "Seed of initialization, shuffling and dropout (default: ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--partitions", description = "Partitions of the training data (default: spark.default.parallelism).")
    Integer numPartitions;
    @Option(names = "--step-mode", defaultValue = "auto", description = {"How steps run (the same bits either way):"
        + " barrier (gang-scheduled tasks run many steps and exchange gradients directly), job (a Spark job per"
        + " step) or auto: barrier when every partition can run at once and dynamic allocation is off"
        + " (default: ${DEFAULT-VALUE})."})
    String stepMode;
    @Option(names = "--aggregation-depth", defaultValue = "2", description = "treeAggregate depth (default: ${DEFAULT-VALUE}).")
    int depth;
    @Option(names = "--checkpoint-dir", description = "Checkpoint directory (any Hadoop file system).")
    String checkpointDir;
    @Option(names = "--checkpoint-every", defaultValue = "0", description = "Also checkpoint every N steps (default: epoch ends only).")
    int checkpointEvery;
    @Option(names = "--keep-checkpoints", defaultValue = "2", description = "Checkpoints to keep (default: ${DEFAULT-VALUE}).")
    int keepCheckpoints;
    @Option(names = "--resume", description = "Continue from the newest checkpoint in --checkpoint-dir.")
    boolean resume;
    @Option(names = "--init-model", description = {"Start from this model directory's weights (fine-tuning): the"
        + " same layers, except a final dense layer of another class count, which starts fresh; the dataset must be"
        + " normalized as the model's training data was."})
    String initModel;
    @Option(names = "--freeze-layers", defaultValue = "0", description = "Leave the first N layers that have"
        + " parameters as they start (default: ${DEFAULT-VALUE}).")
    int freezeLayers;
    @Option(names = "--log-every", defaultValue = "100", description = "Progress line every N steps (default: ${DEFAULT-VALUE}).")
    int logEvery;

    public static void main(String[] args) {
        SparkJob.main(new TrainJob(), args);
    }

    @Override
    public Integer call() throws Exception {
        config(); // bad options fail before Spark starts
        return SparkJob.inSession("spark-nn train", this::run);
    }

    TrainConfig config() {
        return config(null);
    }

    /** The configuration; {@code fill} is each channel's normalized black, for augmentation. */
    TrainConfig config(float[] fill) {
        return TrainConfig.builder().epochs(epochs).batchSize(batchSize).seed(seed).optimizer(optimizer)
            .learningRate(learningRate).betas(beta1, beta2).epsilon(epsilon).weightDecay(weightDecay)
            .momentum(momentum, nesterov).penalties(l1, l2).loss(loss).lrSchedule(schedule.name())
            .lrStep(lrStepEpochs, lrGamma).lrMin(lrMin).warmupEpochs(warmupEpochs)
            .earlyStopping(monitor, patience, minDelta, !noRestoreBest).augmentation(augmentShift, augmentRotation, fill)
            .aggregationDepth(depth).logEvery(logEvery).stepMode(stepMode).freezeLayers(freezeLayers).build();
    }

    /** Trains and writes the model; returns the test accuracy, or NaN without a test split. */
    public double run(SparkSession spark) throws IOException {
        config(); // every option is checked before any data is read

        if (resume && checkpointDir == null) {
            throw new IllegalArgumentException("--resume needs --checkpoint-dir");
        }
        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        AppAttempt attempt = AppAttempt.of(spark.sparkContext());
        AtomicOutput.checkTarget(files, output, overwrite, attempt);
        DatasetMetadata meta = DatasetSchema.readMetadata(spark, dataset);
        TrainConfig config = config(blackPixel(meta));
        if (!meta.labeled()) {
            throw new IllegalArgumentException(dataset + ": the dataset is unlabeled; training needs labels");
        }
        Shape input = new Shape(meta.channels(), meta.height(), meta.width());
        ModelDirectory initial = initModel == null ? null : ModelStore.read(files, initModel);
        String modelName = specFile != null ? specFile : preset != null ? preset : initial != null ? initModel : "mlp";
        NetworkSpec spec = specFile != null ? readSpec(files, specFile)
            : preset == null && initial != null ? InitialWeights.networkFor(initial.spec().network(), meta.numClasses())
            : NetworkSpec.preset(modelName, input, meta.numClasses());
        if (!spec.input().equals(input)) {
            throw new IllegalArgumentException(modelName + ": the network's input is " + spec.input() + " but the dataset's images are "
                + input);
        }
        ModelSpec modelSpec = ModelSpec.of(spec, meta.classNames(), meta.normalization());
        if (initial != null) {
            InitialWeights.check(initial.spec(), initModel, modelSpec); // before any data is read
        }
        int parts = numPartitions != null ? numPartitions : spark.sparkContext().defaultParallelism();
        if (parts < 1) {
            throw new IllegalArgumentException("--partitions must be positive, got " + parts);
        }
        boolean hasValidation = splitExists(files, "validation");
        boolean hasTest = splitExists(files, "test");

        try (ProgressReporter progress = new ProgressReporter(spark.sparkContext(), "train", System.out, 60_000);
             TrainingRun run = new TrainingRun(spark, modelSpec, config, blocks(spark, "train", parts, modelSpec, meta),
                 hasValidation ? blocks(spark, "validation", parts, modelSpec, meta) : null)) {
            Network net = run.network();
            System.out.printf("training %s: %d parameters, %d classes, input %s; driver BLAS %s%n",
                modelName, net.paramCount(), meta.numClasses(), input, Blas.get().describe());
            progress.step("packing the training data into " + parts + " cached blocks");
            long loadStart = System.nanoTime();
            long rows = run.rows();
            double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
            System.out.printf("training rows: %d in %d partitions (%.1f s to load)%s%n", rows, parts, loadSeconds,
                hasValidation ? "; validating on the validation split" : "");

            Checkpoints checkpoints = checkpointDir == null ? null
                : new Checkpoints(files, checkpointDir, checkpointEvery, keepCheckpoints, fingerprint(spec, rows, parts,
                    config), DatasetSchema.identity(files, dataset, List.of("train", "validation")), attempt);
            TrainingRun.Start start = start(run, checkpoints, attempt, initial);
            progress.step("training");
            long trainStart = System.nanoTime();
            DistributedTrainer.Result result = run.fit(start, checkpoints, new Progress());
            double trainSeconds = (System.nanoTime() - trainStart) / 1e9;
            RunState done = result.run();
            if (done.stopped()) {
                System.out.printf("early stopping after epoch %d: best %s %.4f at epoch %d%n", done.epoch(),
                    config.earlyStopping().monitor(), done.bestValue(), done.bestEpoch());
            }
            DistributedTrainer.LossAndAccuracy test = null;
            if (hasTest) {
                progress.step("evaluating on the test split");
                test = run.evaluate(blocks(spark, "test", parts, modelSpec, meta), result.state().params());
                System.out.printf("test: loss %.4f, accuracy %.4f on %d rows%n", test.loss(), test.accuracy(), test.count());
            }
            progress.step("writing the model to " + output);
            Map<String, Object> training = new LinkedHashMap<>();
            training.put("format", "spark-nn-training");
            training.put("version", 1);
            training.put("dataset", dataset);
            training.put("model", modelName);
            if (initModel != null) {
                training.put("initModel", initModel);
            }
            training.put("parameters", net.paramCount());
            training.put("config", config);
            training.put("seed", seed);
            training.put("partitions", parts);
            training.put("trainingRows", rows);
            training.put("history", done.history());
            if (done.stopped()) {
                training.put("earlyStopping", Map.of("stoppedAfterEpoch", done.epoch(), "bestEpoch", done.bestEpoch(),
                    "bestValue", done.bestValue()));
            }
            if (test != null) {
                training.put("test", Map.of("loss", test.loss(), "accuracy", test.accuracy(), "rows", test.count()));
            }
            training.put("blas", Blas.get().describe());
            training.put("sparkVersion", spark.version());
            training.put("sparkMaster", spark.sparkContext().master());
            training.put("gitRevision", ModelStore.gitRevision());
            training.put("seconds", Map.of("load", loadSeconds, "train", trainSeconds));
            ModelStore.write(files, output, overwrite, new ModelDirectory(modelSpec, net, result.state().params()),
                training, done.history(), attempt);
            Path report = new Report(files, output).render();
            System.out.printf("%nmodel written to %s in %.1f s of training%s%nreport: %s%n", output, trainSeconds,
                test == null ? "" : String.format("; test accuracy %.4f", test.accuracy()), report);
            return test == null ? Double.NaN : test.accuracy();
        }
    }

    /** What a checkpoint must have been written by: the same spec, data, partitions and configuration. */
    private String fingerprint(NetworkSpec spec, long rows, int parts, TrainConfig config) {
        return "spec=" + spec.toJson().replaceAll("\\s+", "") + " dataset=" + dataset + " rows=" + rows
            + " partitions=" + parts + " epochs=" + epochs + " batch=" + batchSize + " seed=" + seed + " optimizer="
            + config.optimizer() + " lr=" + config.learningRate() + " reg=" + config.regularization() + " loss=" + loss
            + " earlyStopping=" + config.earlyStopping() + " augmentation=" + config.augmentation()
            + (initModel == null ? "" : " initModel=" + initModel)
            + (config.freezeLayers() == 0 ? "" : " freezeLayers=" + config.freezeLayers());
    }

    /**
     * Where the run starts: the newest checkpoint with {@code --resume}, or when an earlier attempt
     * of this application wrote the checkpoints; otherwise from scratch, into an empty checkpoint
     * directory.
     */
    private TrainingRun.Start start(TrainingRun run, Checkpoints checkpoints, AppAttempt attempt, ModelDirectory initial)
            throws IOException {
        boolean resuming = resume;
        if (!resume && checkpoints != null && checkpoints.any()) {
            if (!checkpoints.writtenByEarlierAttempt()) {
                throw new IllegalArgumentException(checkpointDir + " already holds checkpoints; pass --resume to continue"
                    + " that run, or use an empty --checkpoint-dir");
            }
            System.out.println(attempt + ": continuing from the checkpoints an earlier attempt wrote");
            resuming = true;
        }
        if (!resuming && initial != null) {
            Map.Entry<TrainingRun.Start, String> from = run.from(initial.spec(), initial.params(), initModel);
            System.out.println("starting from the weights of " + initModel
                + (from.getValue().isEmpty() ? "" : "; " + from.getValue()));
            return from.getKey();
        }
        if (!resuming) {
            return run.fresh();
        }
        TrainingRun.Start start = run.resume(checkpoints);
        if (start.from() == null) {
            System.out.println("no checkpoint in " + checkpointDir + ": starting from scratch");
        } else {
            System.out.printf("resuming from %s: epoch %d, step %d%n", start.from(), start.run().epoch() + 1,
                start.run().stepInEpoch());
        }
        return start;
    }

    /** Progress lines on standard output. */
    private final class Progress implements DistributedTrainer.Listener {
        @Override
        public void step(int epoch, int step, int steps, double loss, double accuracy, double ips, double eta) {
            System.out.printf("epoch %d/%d step %d/%d: loss %.4f, accuracy %.4f, %.0f images/s, ETA %s%n",
                epoch, epochs, step, steps, loss, accuracy, ips, duration(eta));
        }

        @Override
        public void epoch(EpochMetrics m) {
            System.out.printf("epoch %d/%d done: loss %.4f, accuracy %.4f%s, %.1f s, %.0f images/s%n", m.epoch(),
                epochs, m.loss(), m.accuracy(), m.valLoss() == null ? ""
                    : String.format(", val_loss %.4f, val_accuracy %.4f", m.valLoss(), m.valAccuracy()),
                m.seconds(), m.imagesPerSecond());
        }

        @Override
        public void checkpoint(String path) {
            System.out.println("checkpoint " + path);
        }

        @Override
        public void stepMode(org.sparknn.spark.train.StepMode mode, String why) {
            System.out.println("step mode " + mode + " (" + why + ")");
        }
    }

    private boolean splitExists(HadoopFiles files, String split) throws IOException {
        Path p = new Path(dataset, split);
        return files.fs(p).exists(p);
    }

    /**
     * A split as blocks, the same rows in the same order in each partition in every run: Parquet
     * files are split and read in a fixed order, so with at least {@code parts} input partitions
     * they are merged without a shuffle; with fewer, rows are hash-partitioned by id and sorted.
     */
    private JavaRDD<Block> blocks(SparkSession spark, String split, int parts, ModelSpec spec, DatasetMetadata meta) {
        Dataset<Row> df = DatasetSchema.readSplit(spark, dataset, split, meta);
        df = df.rdd().getNumPartitions() >= parts ? df.coalesce(parts)
            : df.repartition(parts, col(DatasetSchema.ID)).sortWithinPartitions(DatasetSchema.ID);
        return Blocks.ofDataset(df, spec.network().input().size(), meta.numClasses());
    }

    /** Each channel's value of a black (raw 0) pixel after the dataset's normalization. */
    static float[] blackPixel(DatasetMetadata meta) {
        float[] black = new float[meta.channels()];
        for (int c = 0; c < black.length; c++) {
            if (meta.normalization().standardized()) {
                black[c] = (float) ((0 - meta.normalization().mean()[c]) / meta.normalization().std()[c]);
            }
        }
        return black;
    }

    private static NetworkSpec readSpec(HadoopFiles files, String path) throws IOException {
        return NetworkSpec.fromJson(files.readString(new Path(path)), path);
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return String.format("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }

}
