package org.sparknn.spark;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
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
import org.apache.spark.storage.StorageLevel;
import org.sparknn.dataprep.Normalization;
import org.sparknn.nn.layer.Shape;
import org.sparknn.nn.linalg.Blas;
import org.sparknn.nn.model.ModelSpec;
import org.sparknn.nn.model.Network;
import org.sparknn.nn.model.NetworkSpec;
import org.sparknn.nn.optim.Adam;
import org.sparknn.nn.optim.LearningRate;
import org.sparknn.nn.optim.Optimizer;
import org.sparknn.nn.optim.Regularization;
import org.sparknn.nn.optim.Sgd;
import org.sparknn.nn.train.TrainState;

/**
 * Spark ML estimator that trains a spark-nn network by data-parallel mini-batch training. Features
 * are a Spark ML vector column of channels x height x width values (channel-height-width order;
 * {@code array_to_vector} converts an array&lt;float&gt; column); labels are class indices.
 */
public final class NeuralNetClassifier
    extends ProbabilisticClassifier<Vector, NeuralNetClassifier, NeuralNetClassificationModel>
    implements DefaultParamsWritable {

    private final String uid;
    private final Param<String> model;
    private final IntArrayParam inputShape;
    private final IntParam epochs;
    private final IntParam batchSize;
    private final Param<String> optimizer;
    private final DoubleParam learningRate;
    private final DoubleParam momentum;
    private final DoubleParam weightDecay;
    private final DoubleParam l1;
    private final DoubleParam l2;
    private final Param<String> loss;
    private final Param<String> lrSchedule;
    private final LongParam seed;
    private final IntParam numPartitions;
    private final IntParam aggregationDepth;

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
        momentum = new DoubleParam(this, "momentum", "SGD momentum", ParamValidators.inRange(0, 1, true, false));
        weightDecay = new DoubleParam(this, "weightDecay", "AdamW weight decay", ParamValidators.gtEq(0));
        l1 = new DoubleParam(this, "l1", "L1 penalty on weights", ParamValidators.gtEq(0));
        l2 = new DoubleParam(this, "l2", "L2 penalty on weights", ParamValidators.gtEq(0));
        loss = new Param<>(this, "loss", "cross_entropy, mse or hinge");
        lrSchedule = new Param<>(this, "lrSchedule", "constant or cosine learning-rate schedule");
        seed = new LongParam(this, "seed", "seed of initialization, shuffling and dropout");
        numPartitions = new IntParam(this, "numPartitions", "partitions to train on (0: as the input is)",
            ParamValidators.gtEq(0));
        aggregationDepth = new IntParam(this, "aggregationDepth", "treeAggregate depth", ParamValidators.gtEq(1));
        setDefault(model, "mlp");
        setDefault(epochs, 5);
        setDefault(batchSize, 128);
        setDefault(optimizer, "adam");
        setDefault(learningRate, 0.001);
        setDefault(momentum, 0.0);
        setDefault(weightDecay, 0.004);
        setDefault(l1, 0.0);
        setDefault(l2, 0.0);
        setDefault(loss, "cross_entropy");
        setDefault(lrSchedule, "constant");
        setDefault(seed, 42L);
        setDefault(numPartitions, 0);
        setDefault(aggregationDepth, 2);
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

    @SuppressWarnings("unchecked")
    private <T> T value(Param<?> p) {
        return (T) getOrDefault(p);
    }

    /** The training configuration these params describe (validated). */
    TrainConfig trainConfig() {
        String opt = value(optimizer);
        Optimizer o = switch (opt) {
            case "adam" -> Adam.defaults();
            case "adamw" -> new Adam(0.9, 0.999, 1e-7, value(weightDecay));
            case "sgd" -> new Sgd(value(momentum), false);
            default -> throw new IllegalArgumentException("optimizer must be adam, adamw or sgd, got '" + opt + "'");
        };
        String schedule = value(lrSchedule);
        double lr = value(learningRate);
        LearningRate rate = switch (schedule) {
            case "constant" -> LearningRate.constant(lr);
            case "cosine" -> new LearningRate(lr, LearningRate.Schedule.cosine, 1, 1, 0, 0);
            default -> throw new IllegalArgumentException("lrSchedule must be constant or cosine, got '" + schedule + "'");
        };
        return new TrainConfig(value(epochs), value(batchSize), value(seed), o, rate, new Regularization(value(l1), value(l2)),
            value(loss), value(aggregationDepth), null, 0, null);
    }

    @Override
    public NeuralNetClassificationModel train(Dataset<?> dataset) {
        TrainConfig config = trainConfig();
        SparkSession spark = dataset.sparkSession();
        int classes = getNumClasses(dataset, 10_000);
        Row first = dataset.select(getFeaturesCol()).head();
        int length = ((Vector) first.get(0)).size();
        Shape shape = shape(length);
        String m = value(model);
        NetworkSpec spec = m.trim().startsWith("{") ? NetworkSpec.fromJson(m, "model param")
            : NetworkSpec.preset(m, shape, classes);
        if (spec.input().size() != length) {
            throw new IllegalArgumentException("the network's input " + spec.input() + " has " + spec.input().size()
                + " values but the features have " + length);
        }
        List<String> classNames = new ArrayList<>();
        for (int i = 0; i < classes; i++) {
            classNames.add(String.valueOf(i));
        }
        ModelSpec modelSpec = ModelSpec.of(spec, classNames, Normalization.scaleOnly(1));
        Network net = modelSpec.build(Blas.get());
        Dataset<Row> df = dataset.toDF();
        int parts = value(numPartitions);
        if (parts > 0) {
            df = df.repartition(parts);
        }
        JavaRDD<Block> blocks = Blocks.of(df, getLabelCol(), getFeaturesCol(), null, length, classes)
            .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            TrainState state = TrainState.initial(net, config.optimizer(), config.regularization(), config.seed());
            DistributedTrainer.Result r = new DistributedTrainer(spark, net, config).fit(blocks, null, state,
                RunState.start(), null, null, new DistributedTrainer.Listener() { });
            NeuralNetClassificationModel fitted = new NeuralNetClassificationModel(uid, modelSpec, r.state().params(),
                r.run().history());
            return copyValues(fitted, extractParamMap()).setParent(this);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            blocks.unpersist(false);
        }
    }

    private Shape shape(int length) {
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
