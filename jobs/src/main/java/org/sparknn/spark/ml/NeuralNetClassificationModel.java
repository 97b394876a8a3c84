package org.sparknn.spark.ml;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.sparknn.io.HadoopFiles;
import org.sparknn.nn.io.ModelDirectory;
import org.sparknn.nn.layer.Activation;
import org.sparknn.nn.linalg.Blas;
import org.sparknn.nn.model.Network;
import org.sparknn.nn.spec.ModelSpec;
import org.sparknn.spark.score.Scorer;
import org.sparknn.spark.store.ModelStore;
import org.sparknn.spark.train.EpochMetrics;
import scala.Option;

/**
 * A trained spark-nn network as a Spark ML model. {@link #transform} scores a partition in
 * passes of the one scorer's rows (one GEMM per layer and batch), not row by row. Saved as a model
 * directory ({@code spec.json}, {@code weights.bin}) plus Spark ML's {@code metadata/}, so it
 * loads with {@link #load}, inside a saved {@code PipelineModel}, and with spark-nn's ScoreJob.
 */
public final class NeuralNetClassificationModel
    extends ProbabilisticClassificationModel<Vector, NeuralNetClassificationModel> implements MLWritable {


    private final String uid;
    private final ModelSpec spec;
    private final float[] params;
    private final List<EpochMetrics> history;
    private transient Network network;
    private transient Scorer scorer;

    NeuralNetClassificationModel(String uid, ModelSpec spec, float[] params, List<EpochMetrics> history) {
        this(PendingUid.set(uid), spec, params, history);
    }

    private NeuralNetClassificationModel(PendingUid pending, ModelSpec spec, float[] params, List<EpochMetrics> history) {
        this.uid = PendingUid.take();
        this.spec = spec;
        this.params = params;
        this.history = List.copyOf(history);
    }

    @Override
    public String uid() {
        return uid != null ? uid : PendingUid.peek();
    }

    public ModelSpec spec() {
        return spec;
    }

    /** The parameters (a copy). */
    public float[] weights() {
        return params.clone();
    }

    /** Per-epoch training metrics (empty for a loaded model). */
    public List<EpochMetrics> history() {
        return history;
    }

    private Network network() {
        if (network == null) {
            network = Network.build(spec, Blas.get());
        }
        return network;
    }

    /** Disambiguates the two generic signatures Java sees for Spark's summary lookup. */
    @Override
    @SuppressWarnings({"rawtypes", "unchecked"})
    public scala.Tuple3 findSummaryModel() {
        return super.findSummaryModel();
    }

    @Override
    public int numClasses() {
        return spec.classNames().size();
    }

    @Override
    public int numFeatures() {
        return spec.network().input().size();
    }

    @Override
    public Vector predictRaw(Vector features) {
        return Vectors.dense(doubles(scorer().raw(features)));
    }

    /** The softmax the scorer takes, so a row's probabilities here equal {@link #transform}'s. */
    @Override
    public Vector raw2probabilityInPlace(Vector raw) {
        if (!(raw instanceof DenseVector d)) {
            throw new IllegalArgumentException("rawPrediction must be a dense vector");
        }
        double[] v = d.values();
        float[] x = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            x[i] = (float) v[i];
        }
        Activation.softmax(x, 0, x, 0, x.length);
        for (int i = 0; i < v.length; i++) {
            v[i] = x[i];
        }
        return d;
    }

    /** Batched scoring through the one scorer: rawPrediction, probability and prediction columns, as the params name them. */
    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType outSchema = transformSchema(dataset.schema(), true);
        Dataset<Row> df = dataset.toDF();
        checkNormalization(df.schema());
        return scorer().transform(df, getFeaturesCol(),
            new Scorer.MlColumns(getRawPredictionCol(), getProbabilityCol(), getPredictionCol(),
                isDefined(thresholds()) ? getThresholds() : null), outSchema);
    }

    /**
     * Spark ML's output schema, with features that may also be array&lt;float&gt; or a spark-nn
     * dataset's binary 8-bit pixels (Spark ML's own check takes vectors only).
     */
    @Override
    public StructType transformSchema(StructType schema) {
        String name = getFeaturesCol();
        if (!java.util.Arrays.asList(schema.fieldNames()).contains(name)) {
            throw new IllegalArgumentException("no features column '" + name + "' in the input; columns are "
                + java.util.Arrays.toString(schema.fieldNames()));
        }
        org.apache.spark.sql.types.StructField features = schema.apply(name);
        org.apache.spark.sql.types.DataType t = features.dataType();
        boolean floats = t instanceof org.apache.spark.sql.types.ArrayType a
            && a.elementType().equals(org.apache.spark.sql.types.DataTypes.FloatType);
        boolean pixels = t.equals(org.apache.spark.sql.types.DataTypes.BinaryType)
            && org.sparknn.dataset.DatasetSchema.metadataOf(features, "the features column '" + name + "'") != null;
        if (t instanceof org.apache.spark.ml.linalg.VectorUDT || !(floats || pixels)) {
            return super.transformSchema(schema); // a vector, or Spark ML's error for anything else
        }
        org.apache.spark.sql.types.StructField[] fields = schema.fields().clone();
        int i = schema.fieldIndex(name);
        fields[i] = new org.apache.spark.sql.types.StructField(name, new org.apache.spark.ml.linalg.VectorUDT(),
            features.nullable(), features.metadata());
        org.apache.spark.sql.types.StructField[] out = super.transformSchema(new StructType(fields)).fields().clone();
        out[i] = features;
        return new StructType(out);
    }

    private Scorer scorer() {
        if (scorer == null) {
            scorer = new Scorer(new ModelDirectory(spec, network(), params));
        }
        return scorer;
    }

    private static double[] doubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /**
     * Refuses features that say (through spark-nn dataset metadata) they were normalized otherwise
     * than the model's training features: scored as they are, they would give wrong predictions.
     */
    private void checkNormalization(StructType schema) {
        org.sparknn.dataset.DatasetMetadata meta = org.sparknn.dataset.DatasetSchema.metadataOf(
            schema.apply(getFeaturesCol()), "the features column '" + getFeaturesCol() + "'");
        if (meta != null && spec.normalization() != null && !meta.normalization().equals(spec.normalization())) {
            throw new IllegalArgumentException("the features column '" + getFeaturesCol() + "' holds values normalized"
                + " with " + meta.normalization() + " (dataset '" + meta.name() + "') but the model was fitted on values"
                + " normalized with " + spec.normalization() + "; give it features of the dataset it was fitted on, or"
                + " score the dataset with ScoreJob, which converts between normalizations");
        }
    }

    @Override
    public NeuralNetClassificationModel copy(ParamMap extra) {
        NeuralNetClassificationModel m = new NeuralNetClassificationModel(uid, spec, params, history);
        return copyValues(m, extra).setParent(parent());
    }

    @Override
    public MLWriter write() {
        NeuralNetClassificationModel self = this;
        return new MLWriter() {
            @Override
            public void saveImpl(String path) {
                DefaultParamsWriter.saveMetadata(self, path, sparkSession());
                HadoopFiles files = new HadoopFiles(sparkSession().sparkContext().hadoopConfiguration());
                try {
                    FileSystem fs = files.fs(new Path(path));
                    new ModelDirectory(spec, self.network(), params).write(new ModelDirectory.Files() {
                        @Override
                        public InputStream open(String name) throws IOException {
                            return fs.open(new Path(path, name));
                        }

                        @Override
                        public OutputStream create(String name) throws IOException {
                            return fs.create(new Path(path, name), true);
                        }
                    });
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException("cannot save the model to " + path + ": " + e.getMessage(), e);
                }
            }
        };
    }

    /** The class name models saved before the Spark layer's packages were split record. */
    static final String LEGACY_NAME = "org.sparknn.spark.NeuralNetClassificationModel";

    public static MLReader<NeuralNetClassificationModel> read() {
        return new MLReader<>() {
            @Override
            public NeuralNetClassificationModel load(String path) {
                DefaultParamsReader.Metadata meta = DefaultParamsReader.loadMetadata(path, sparkSession(), "");
                if (!meta.className().equals(NeuralNetClassificationModel.class.getName())
                    && !meta.className().equals(LEGACY_NAME)) {
                    throw new IllegalArgumentException(path + " holds a " + meta.className()
                        + ", not a spark-nn NeuralNetClassificationModel");
                }
                HadoopFiles files = new HadoopFiles(sparkSession().sparkContext().hadoopConfiguration());
                try {
                    ModelDirectory dir = ModelStore.read(files, path);
                    NeuralNetClassificationModel m = new NeuralNetClassificationModel(meta.uid(), dir.spec(), dir.params(),
                        List.of());
                    meta.getAndSetParams(m, Option.empty());
                    return m;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException("cannot load the model from " + path + ": " + e.getMessage(), e);
                }
            }
        };
    }

    /**
     * A model directory written by TrainJob or ImportJob (spec.json, weights.bin) as a Spark ML
     * model, with default params; read through the active session's Hadoop configuration.
     */
    public static NeuralNetClassificationModel fromModelDirectory(String path) {
        org.apache.spark.sql.SparkSession spark = org.apache.spark.sql.SparkSession.active();
        try {
            ModelDirectory dir = ModelStore.read(new HadoopFiles(spark.sparkContext().hadoopConfiguration()), path);
            return new NeuralNetClassificationModel(org.apache.spark.ml.util.Identifiable$.MODULE$.randomUID("nnc"),
                dir.spec(), dir.params(), List.of());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read the model directory " + path + ": " + e.getMessage(), e);
        }
    }

    public static NeuralNetClassificationModel load(String path) {
        return read().load(path);
    }
}
