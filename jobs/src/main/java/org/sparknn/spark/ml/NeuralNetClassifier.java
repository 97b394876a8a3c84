package org.sparknn.spark.ml;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.classification.ProbabilisticClassifier;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReadable;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.sparknn.dataset.DatasetMetadata;
import org.sparknn.io.HadoopFiles;
import org.sparknn.nn.io.ModelDirectory;
import org.sparknn.spark.store.ModelStore;
import org.sparknn.dataset.DatasetSchema;
import org.sparknn.nn.layer.Shape;
import org.sparknn.nn.spec.ModelSpec;
import org.sparknn.nn.spec.NetworkSpec;
import org.sparknn.nn.train.InitialWeights;
import org.sparknn.spark.input.ImageColumns;
import org.sparknn.spark.train.Blocks;
import org.sparknn.spark.train.DistributedTrainer;
import org.sparknn.spark.train.TrainConfig;
import org.sparknn.spark.train.TrainingRun;

/**
 * Spark ML estimator that trains a spark-nn network by data-parallel mini-batch training. Features
 * are a Spark ML vector column of channels x height x width values (channel-height-width order);
 * labels are class indices. {@code DatasetSchema.mlFeatures} gives a spark-nn dataset's features
 * so, keeping the dataset metadata: the model then takes the image shape and class names from it
 * and records the normalization the features had. Without that metadata the model records its
 * features as used as given (normalization unknown).
 */
public class NeuralNetClassifier
    extends ProbabilisticClassifier<Vector, NeuralNetClassifier, NeuralNetClassificationModel>
    implements DefaultParamsWritable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(NeuralNetClassifier.class);
    private final String uid;
    private final Param<String> model;
    private final IntArrayParam inputShape;
    private final IntParam epochs;
    private final IntParam batchSize;
    private final Param<String> optimizer;
    private final DoubleParam learningRate;
    private final DoubleParam beta1;
    private final DoubleParam beta2;
    private final DoubleParam epsilon;
    private final IntParam lrStepEpochs;
    private final DoubleParam lrGamma;
    private final DoubleParam momentum;
    private final DoubleParam weightDecay;
    private final DoubleParam l1;
    private final DoubleParam l2;
    private final Param<String> loss;
    private final Param<String> lrSchedule;
    private final LongParam seed;
    private final IntParam numPartitions;
    private final IntParam aggregationDepth;
    private final Param<String> stepMode;
    private final Param<String> validationIndicatorCol;
    private final Param<String> earlyStoppingMonitor;
    private final IntParam patience;
    private final DoubleParam minDelta;
    private final org.apache.spark.ml.param.BooleanParam restoreBest;
    private final org.apache.spark.ml.param.BooleanParam nesterov;
    private final DoubleParam lrMin;
    private final DoubleParam warmupEpochs;
    private final IntParam augmentShift;
    private final DoubleParam augmentRotation;
    private final IntParam maxIter;
    private final DoubleParam stepSize;
    private final DoubleParam tol;
    private final Param<String> initialModel;
    private final IntParam freezeLayers;
    private final Param<String> weightCol;

    public NeuralNetClassifier() {
        this(Identifiable$.MODULE$.randomUID("nnc"));
    }

    public NeuralNetClassifier(String uid) {
        this(PendingUid.set(uid));
    }

    private NeuralNetClassifier(PendingUid pending) {
        this.uid = PendingUid.take();
        model = new Param<>(this, "model", "preset (mlp, mlp2, cnn, cnn3) or a network spec as JSON");
        inputShape = new IntArrayParam(this, "inputShape",
            "[channels, height, width] of the features (default: one channel, square images)");
        epochs = new IntParam(this, "epochs", "passes over the training data", ParamValidators.gtEq(1));
        batchSize = new IntParam(this, "batchSize", "global mini-batch size", ParamValidators.gtEq(1));
        optimizer = new Param<>(this, "optimizer", "adam, adamw or sgd");
        learningRate = new DoubleParam(this, "learningRate", "learning rate", ParamValidators.gt(0));
        beta1 = new DoubleParam(this, "beta1", "Adam's first-moment decay rate", ParamValidators.inRange(0, 1, true, false));
        beta2 = new DoubleParam(this, "beta2", "Adam's second-moment decay rate", ParamValidators.inRange(0, 1, true, false));
        epsilon = new DoubleParam(this, "epsilon", "Adam's denominator term", ParamValidators.gt(0));
        lrStepEpochs = new IntParam(this, "lrStepEpochs", "step schedule: epochs between decays", ParamValidators.gtEq(1));
        lrGamma = new DoubleParam(this, "lrGamma", "step schedule: decay factor", ParamValidators.inRange(0, 1, false, true));
        momentum = new DoubleParam(this, "momentum", "SGD momentum", ParamValidators.inRange(0, 1, true, false));
        weightDecay = new DoubleParam(this, "weightDecay", "AdamW weight decay", ParamValidators.gtEq(0));
        l1 = new DoubleParam(this, "l1", "L1 penalty on weights", ParamValidators.gtEq(0));
        l2 = new DoubleParam(this, "l2", "L2 penalty on weights", ParamValidators.gtEq(0));
        loss = new Param<>(this, "loss", "cross_entropy, mse or hinge");
        lrSchedule = new Param<>(this, "lrSchedule", "constant, step or cosine learning-rate schedule");
        seed = new LongParam(this, "seed", "seed of initialization, shuffling and dropout");
        numPartitions = new IntParam(this, "numPartitions", "partitions to train on (0: as the input is)",
            ParamValidators.gtEq(0));
        aggregationDepth = new IntParam(this, "aggregationDepth", "treeAggregate depth", ParamValidators.gtEq(1));
        stepMode = new Param<>(this, "stepMode", "barrier (gang-scheduled steps), job (a Spark job per step) or auto:"
            + " barrier when every partition can run at once and dynamic allocation is off; the same bits either way");
        validationIndicatorCol = new Param<>(this, "validationIndicatorCol",
            "boolean column marking validation rows (validated every epoch, not trained on); empty for none");
        earlyStoppingMonitor = new Param<>(this, "earlyStoppingMonitor",
            "val_loss, val_accuracy or loss (the training loss) to stop early on; empty for no early stopping");
        patience = new IntParam(this, "patience", "early stopping: epochs without improvement", ParamValidators.gtEq(0));
        minDelta = new DoubleParam(this, "minDelta", "early stopping: smallest improvement", ParamValidators.gtEq(0));
        restoreBest = new org.apache.spark.ml.param.BooleanParam(this, "restoreBest",
            "early stopping: end with the best epoch's weights");
        nesterov = new org.apache.spark.ml.param.BooleanParam(this, "nesterov", "SGD with Nesterov momentum");
        lrMin = new DoubleParam(this, "lrMin", "cosine schedule: final learning rate", ParamValidators.gtEq(0));
        warmupEpochs = new DoubleParam(this, "warmupEpochs", "linear learning-rate warm-up in epochs",
            ParamValidators.gtEq(0));
        augmentShift = new IntParam(this, "augmentShift", "random shifts of up to N pixels", ParamValidators.gtEq(0));
        augmentRotation = new DoubleParam(this, "augmentRotation", "random rotations of up to D degrees",
            ParamValidators.inRange(0, 180));
        maxIter = new IntParam(this, "maxIter", "MLlib's name for epochs", ParamValidators.gtEq(1));
        stepSize = new DoubleParam(this, "stepSize", "MLlib's name for learningRate", ParamValidators.gt(0));
        tol = new DoubleParam(this, "tol", "MLlib's name for minDelta: with it, training stops early when the monitored"
            + " loss (val_loss with validation rows, else the training loss) improves by no more than tol for patience"
            + " epochs", ParamValidators.gtEq(0));
        initialModel = new Param<>(this, "initialModel", "model directory (TrainJob's, or a saved model) whose"
            + " weights training starts from (its network too, unless model is set); empty for a fresh start");
        freezeLayers = new IntParam(this, "freezeLayers", "the first N layers with parameters that training leaves as"
            + " they start", ParamValidators.gtEq(0));
        weightCol = new Param<>(this, "weightCol", "column of example weights (numbers >= 0): the loss is the weighted"
            + " mean, divided by the sum of the weights; empty for weights of 1");
        setDefault(weightCol, "");
        setDefault(initialModel, "");
        setDefault(freezeLayers, 0);
        setDefault(validationIndicatorCol, "");
        setDefault(earlyStoppingMonitor, "");
        setDefault(patience, 2);
        setDefault(minDelta, 0.0);
        setDefault(restoreBest, true);
        setDefault(nesterov, false);
        setDefault(lrMin, 0.0);
        setDefault(warmupEpochs, 0.0);
        setDefault(augmentShift, 0);
        setDefault(augmentRotation, 0.0);
        setDefault(model, "mlp");
        setDefault(epochs, 5);
        setDefault(batchSize, 128);
        setDefault(optimizer, "adam");
        setDefault(learningRate, 0.001);
        setDefault(momentum, 0.0);
        setDefault(beta1, 0.9);
        setDefault(beta2, 0.999);
        setDefault(epsilon, 1e-7);
        setDefault(lrStepEpochs, 1);
        setDefault(lrGamma, 0.5);
        setDefault(weightDecay, 0.004);
        setDefault(l1, 0.0);
        setDefault(l2, 0.0);
        setDefault(loss, "cross_entropy");
        setDefault(lrSchedule, "constant");
        setDefault(seed, 42L);
        setDefault(numPartitions, 0);
        setDefault(aggregationDepth, 2);
        setDefault(stepMode, "auto");
    }

    @Override
    public String uid() {
        return uid != null ? uid : PendingUid.peek();
    }

    public Param<String> model() {
        return model;
    }

    public IntArrayParam inputShape() {
        return inputShape;
    }

    public IntParam epochs() {
        return epochs;
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public Param<String> optimizer() {
        return optimizer;
    }

    public DoubleParam learningRate() {
        return learningRate;
    }

    public DoubleParam beta1() {
        return beta1;
    }

    public DoubleParam beta2() {
        return beta2;
    }

    public DoubleParam epsilon() {
        return epsilon;
    }

    public IntParam lrStepEpochs() {
        return lrStepEpochs;
    }

    public DoubleParam lrGamma() {
        return lrGamma;
    }

    public NeuralNetClassifier setBeta1(double v) {
        return (NeuralNetClassifier) set(beta1, v);
    }

    public NeuralNetClassifier setBeta2(double v) {
        return (NeuralNetClassifier) set(beta2, v);
    }

    public NeuralNetClassifier setEpsilon(double v) {
        return (NeuralNetClassifier) set(epsilon, v);
    }

    public NeuralNetClassifier setLrStepEpochs(int v) {
        return (NeuralNetClassifier) set(lrStepEpochs, v);
    }

    public NeuralNetClassifier setLrGamma(double v) {
        return (NeuralNetClassifier) set(lrGamma, v);
    }

    public DoubleParam momentum() {
        return momentum;
    }

    public DoubleParam weightDecay() {
        return weightDecay;
    }

    public DoubleParam l1() {
        return l1;
    }

    public DoubleParam l2() {
        return l2;
    }

    public Param<String> loss() {
        return loss;
    }

    public Param<String> lrSchedule() {
        return lrSchedule;
    }

    public LongParam seed() {
        return seed;
    }

    public IntParam numPartitions() {
        return numPartitions;
    }

    public IntParam aggregationDepth() {
        return aggregationDepth;
    }

    public Param<String> stepMode() {
        return stepMode;
    }

    public NeuralNetClassifier setStepMode(String v) {
        return (NeuralNetClassifier) set(stepMode, v);
    }

    public Param<String> validationIndicatorCol() {
        return validationIndicatorCol;
    }

    public Param<String> earlyStoppingMonitor() {
        return earlyStoppingMonitor;
    }

    public IntParam patience() {
        return patience;
    }

    public DoubleParam minDelta() {
        return minDelta;
    }

    public org.apache.spark.ml.param.BooleanParam restoreBest() {
        return restoreBest;
    }

    public org.apache.spark.ml.param.BooleanParam nesterov() {
        return nesterov;
    }

    public DoubleParam lrMin() {
        return lrMin;
    }

    public DoubleParam warmupEpochs() {
        return warmupEpochs;
    }

    public IntParam augmentShift() {
        return augmentShift;
    }

    public DoubleParam augmentRotation() {
        return augmentRotation;
    }

    public NeuralNetClassifier setValidationIndicatorCol(String v) {
        return (NeuralNetClassifier) set(validationIndicatorCol, v);
    }

    public NeuralNetClassifier setEarlyStoppingMonitor(String v) {
        return (NeuralNetClassifier) set(earlyStoppingMonitor, v);
    }

    public NeuralNetClassifier setPatience(int v) {
        return (NeuralNetClassifier) set(patience, v);
    }

    public NeuralNetClassifier setMinDelta(double v) {
        return (NeuralNetClassifier) set(minDelta, v);
    }

    public NeuralNetClassifier setRestoreBest(boolean v) {
        return (NeuralNetClassifier) set(restoreBest, v);
    }

    public NeuralNetClassifier setNesterov(boolean v) {
        return (NeuralNetClassifier) set(nesterov, v);
    }

    public NeuralNetClassifier setLrMin(double v) {
        return (NeuralNetClassifier) set(lrMin, v);
    }

    public NeuralNetClassifier setWarmupEpochs(double v) {
        return (NeuralNetClassifier) set(warmupEpochs, v);
    }

    public NeuralNetClassifier setAugmentShift(int v) {
        return (NeuralNetClassifier) set(augmentShift, v);
    }

    public NeuralNetClassifier setAugmentRotation(double v) {
        return (NeuralNetClassifier) set(augmentRotation, v);
    }

    public NeuralNetClassifier setModel(String v) {
        return (NeuralNetClassifier) set(model, v);
    }

    public NeuralNetClassifier setInputShape(int[] v) {
        return (NeuralNetClassifier) set(inputShape, v);
    }

    public NeuralNetClassifier setEpochs(int v) {
        return (NeuralNetClassifier) set(epochs, v);
    }

    public NeuralNetClassifier setBatchSize(int v) {
        return (NeuralNetClassifier) set(batchSize, v);
    }

    public NeuralNetClassifier setOptimizer(String v) {
        return (NeuralNetClassifier) set(optimizer, v);
    }

    public NeuralNetClassifier setLearningRate(double v) {
        return (NeuralNetClassifier) set(learningRate, v);
    }

    public NeuralNetClassifier setMomentum(double v) {
        return (NeuralNetClassifier) set(momentum, v);
    }

    public NeuralNetClassifier setWeightDecay(double v) {
        return (NeuralNetClassifier) set(weightDecay, v);
    }

    public NeuralNetClassifier setL1(double v) {
        return (NeuralNetClassifier) set(l1, v);
    }

    public NeuralNetClassifier setL2(double v) {
        return (NeuralNetClassifier) set(l2, v);
    }

    public NeuralNetClassifier setLoss(String v) {
        return (NeuralNetClassifier) set(loss, v);
    }

    public NeuralNetClassifier setLrSchedule(String v) {
        return (NeuralNetClassifier) set(lrSchedule, v);
    }

    public NeuralNetClassifier setSeed(long v) {
        return (NeuralNetClassifier) set(seed, v);
    }

    public NeuralNetClassifier setNumPartitions(int v) {
        return (NeuralNetClassifier) set(numPartitions, v);
    }

    public NeuralNetClassifier setAggregationDepth(int v) {
        return (NeuralNetClassifier) set(aggregationDepth, v);
    }

    public IntParam maxIter() {
        return maxIter;
    }

    public DoubleParam stepSize() {
        return stepSize;
    }

    public DoubleParam tol() {
        return tol;
    }

    public Param<String> weightCol() {
        return weightCol;
    }

    public String getWeightCol() {
        return value(weightCol);
    }

    public NeuralNetClassifier setWeightCol(String v) {
        return (NeuralNetClassifier) set(weightCol, v);
    }

    public Param<String> initialModel() {
        return initialModel;
    }

    public IntParam freezeLayers() {
        return freezeLayers;
    }

    /** MLlib's name for {@link #setEpochs}. */
    public NeuralNetClassifier setMaxIter(int v) {
        return (NeuralNetClassifier) set(maxIter, v);
    }

    /** MLlib's name for {@link #setLearningRate}. */
    public NeuralNetClassifier setStepSize(double v) {
        return (NeuralNetClassifier) set(stepSize, v);
    }

    /** MLlib's name for {@link #setMinDelta}; it also turns early stopping on (see the param's doc). */
    public NeuralNetClassifier setTol(double v) {
        return (NeuralNetClassifier) set(tol, v);
    }

    public NeuralNetClassifier setInitialModel(String v) {
        return (NeuralNetClassifier) set(initialModel, v);
    }

    public NeuralNetClassifier setFreezeLayers(int v) {
        return (NeuralNetClassifier) set(freezeLayers, v);
    }

    /** The epochs, by either name. */
    public int getMaxIter() {
        return this.<Integer>aliased(epochs, maxIter);
    }

    /** The learning rate, by either name. */
    public double getStepSize() {
        return this.<Double>aliased(learningRate, stepSize);
    }

    /** The early-stopping minimum improvement, by either name. */
    public double getTol() {
        return this.<Double>aliased(minDelta, tol);
    }

    /**
     * The value of a setting that has an MLlib name as well: the alias's when it is set, else the
     * param's (or its default).
     *
     * @throws IllegalArgumentException when both names are set to different values
     */
    private <T> T aliased(Param<?> param, Param<?> alias) {
        if (isSet(alias)) {
            T a = value(alias);
            if (isSet(param) && !a.equals(value(param))) {
                throw new org.sparknn.nn.spec.SettingException(alias.name() + " (" + a + ") and " + param.name() + " ("
                    + value(param) + ") are two names of one setting; set one of them, or both to the same value",
                    alias.name(), param.name());
            }
            return a;
        }
        return value(param);
    }

    @SuppressWarnings("unchecked")
    private <T> T value(Param<?> p) {
        return (T) getOrDefault(p);
    }

    /** The training configuration these params describe (validated): TrainJob's settings, by the same names. */
    TrainConfig trainConfig(boolean hasValidationRows) {
        String monitor = value(earlyStoppingMonitor);
        if (monitor.isEmpty() && isSet(tol)) {
            monitor = hasValidationRows ? "val_loss" : "loss";
        }
        return TrainConfig.builder().epochs(getMaxIter()).batchSize(value(batchSize)).seed(value(seed))
            .optimizer(value(optimizer)).learningRate(getStepSize()).betas(value(beta1), value(beta2))
            .epsilon(value(epsilon)).weightDecay(value(weightDecay)).momentum(value(momentum), value(nesterov))
            .penalties(value(l1), value(l2)).loss(value(loss)).lrSchedule(value(lrSchedule))
            .lrStep(value(lrStepEpochs), value(lrGamma)).lrMin(value(lrMin)).warmupEpochs(value(warmupEpochs))
            .earlyStopping(monitor, value(patience), getTol(), value(restoreBest)).freezeLayers(value(freezeLayers))
            .augmentation(value(augmentShift), value(augmentRotation), null).aggregationDepth(value(aggregationDepth))
            .stepMode(value(stepMode)).build();
    }

    @Override
    public NeuralNetClassificationModel train(Dataset<?> dataset) {
        String indicator = value(validationIndicatorCol);
        TrainConfig config = trainConfig(!indicator.isEmpty());
        SparkSession spark = dataset.sparkSession();
        ModelDirectory initial = null;
        String init = value(initialModel);
        if (!init.isEmpty()) {
            try {
                initial = ModelStore.read(new HadoopFiles(spark.sparkContext().hadoopConfiguration()), init);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("initialModel: cannot read " + init, e);
            }
        }
        // A spark-nn dataset's features column (DatasetSchema.mlFeatures) says what its values are.
        DatasetMetadata meta = DatasetSchema.metadataOf(dataset.schema().apply(getFeaturesCol()),
            "the features column '" + getFeaturesCol() + "'");
        int classes = getNumClasses(dataset, 10_000);
        if (meta != null && meta.labeled()) {
            classes = Math.max(classes, meta.numClasses());
        }
        Row first = dataset.select(getFeaturesCol()).head();
        int length = ((Vector) first.get(0)).size();
        Shape shape = shape(length, meta);
        String m = value(model);
        NetworkSpec spec = initial != null && !isSet(model) ? InitialWeights.networkFor(initial.spec().network(), classes)
            : m.trim().startsWith("{") ? NetworkSpec.fromJson(m, "model param")
            : NetworkSpec.preset(m, shape, classes);
        if (spec.input().size() != length) {
            throw new IllegalArgumentException("the network's input " + spec.input() + " has " + spec.input().size()
                + " values but the features have " + length);
        }
        List<String> classNames = new ArrayList<>();
        for (int i = 0; i < classes; i++) {
            classNames.add(meta != null && i < meta.numClasses() ? meta.classNames().get(i) : String.valueOf(i));
        }
        // the normalization the features had; without dataset metadata it is unknown: used as given
        ModelSpec modelSpec = ModelSpec.of(spec, classNames, meta == null ? null : meta.normalization());
        Dataset<Row> df = dataset.toDF();
        Dataset<Row> validationRows = null;
        if (!indicator.isEmpty()) {
            validationRows = df.filter(org.apache.spark.sql.functions.col(indicator));
            df = df.filter(org.apache.spark.sql.functions.not(org.apache.spark.sql.functions.col(indicator)));
        } else if (config.earlyStopping() != null && config.earlyStopping().needsValidation()) {
            throw new IllegalArgumentException("earlyStoppingMonitor " + config.earlyStopping().monitor()
                + " needs validation rows: set validationIndicatorCol");
        }
        int parts = value(numPartitions);
        if (parts > 0) {
            df = df.repartition(parts);
        }
        ImageColumns columns = ImageColumns.ml(getLabelCol(), getFeaturesCol(), null).weighted(value(weightCol));
        try (TrainingRun run = new TrainingRun(spark, modelSpec, config, Blocks.of(df, columns, length, classes),
                validationRows == null ? null : Blocks.of(validationRows, columns, length, classes))) {
            TrainingRun.Start start = run.fresh();
            if (initial != null) {
                java.util.Map.Entry<TrainingRun.Start, String> from = run.from(initial.spec(), initial.params(),
                    "initialModel " + init);
                start = from.getKey();
                LOG.info("training starts from the weights of {}{}", init, from.getValue().isEmpty() ? ""
                    : "; " + from.getValue());
            }
            DistributedTrainer.Result r = run.fit(start, null, new DistributedTrainer.Listener() { });
            NeuralNetClassificationModel fitted = new NeuralNetClassificationModel(uid, modelSpec, r.state().params(),
                r.run().history());
            return copyValues(fitted, extractParamMap()).setParent(this);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Shape shape(int length, DatasetMetadata meta) {
        if (!isDefined(inputShape) && meta != null && meta.channels() * meta.height() * meta.width() == length) {
            return new Shape(meta.channels(), meta.height(), meta.width());
        }
        if (isDefined(inputShape)) {
            int[] s = value(inputShape);
            if (s.length != 3 || s[0] * s[1] * s[2] != length) {
                throw new IllegalArgumentException("inputShape " + java.util.Arrays.toString(s)
                    + " must be [channels, height, width] with " + length + " values in all");
            }
            return new Shape(s[0], s[1], s[2]);
        }
        int side = (int) Math.round(Math.sqrt(length));
        return side * side == length ? new Shape(1, side, side) : Shape.flat(length);
    }

    @Override
    public NeuralNetClassifier copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    public static MLReader<NeuralNetClassifier> read() {
        return new DefaultParamsReadable<NeuralNetClassifier>() { }.read();
    }

    public static NeuralNetClassifier load(String path) {
        return read().load(path);
    }
}
