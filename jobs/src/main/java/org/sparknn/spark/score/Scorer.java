package org.sparknn.spark.score;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;
import org.apache.spark.util.LongAccumulator;
import org.sparknn.dataset.DatasetSchema;
import org.sparknn.nn.io.ModelDirectory;
import org.sparknn.nn.spec.SettingException;
import org.sparknn.spark.input.ImageColumns;
import org.sparknn.spark.input.ImageCursor;
import org.sparknn.spark.input.InputTransform;
import org.sparknn.spark.task.Worker;

/**
 * The one scorer: a model over a Dataset, for ScoreJob, evaluation, the notebooks and the Spark ML
 * model alike. The parameters are broadcast once, and every partition reads its features through
 * {@link ImageCursor} and runs the forward pass over {@link Worker#PASS_ROWS} rows at a time
 * ({@link Passes}).
 *
 * <p>ScoreJob's output columns: {@code id}, {@code label} (when the input is labeled), {@code prediction}
 * (class index), {@code predicted_class} (class name), {@code probability} (array&lt;float&gt;,
 * the softmax of the network's output) and, when asked for, {@code top_k}: the {@code k} most
 * probable classes as structs (index, name, probability), most probable first.
 */
public final class Scorer {
    public static final String PREDICTION = "prediction";
    public static final String PREDICTED_CLASS = "predicted_class";
    public static final String PROBABILITY = "probability";
    public static final String TOP_K = "top_k";

    private static final StructType CLASS_SCORE = new StructType()
        .add("index", DataTypes.IntegerType, false)
        .add("name", DataTypes.StringType, false)
        .add(PROBABILITY, DataTypes.FloatType, false);

    private final ModelDirectory model;
    /** The network spec as the executors' network cache keys it. */
    private final String specJson;

    public Scorer(ModelDirectory model) {
        this.model = model;
        this.specJson = model.spec().network().toJson();
    }

    /** The output schema for labeled or unlabeled input and {@code topK} (0 for none). */
    public static StructType schema(boolean labeled, int topK) {
        return schema(labeled, topK, List.of());
    }

    /** The output schema with {@code constants} as trailing non-null string columns. */
    static StructType schema(boolean labeled, int topK, List<String> constants) {
        StructType s = new StructType().add(DatasetSchema.ID, DataTypes.StringType, false);
        if (labeled) {
            s = s.add(DatasetSchema.LABEL, DataTypes.IntegerType, true);
        }
        s = s.add(PREDICTION, DataTypes.IntegerType, false)
            .add(PREDICTED_CLASS, DataTypes.StringType, false)
            .add(PROBABILITY, DataTypes.createArrayType(DataTypes.FloatType, false), false);
        if (topK > 0) {
            s = s.add(TOP_K, DataTypes.createArrayType(CLASS_SCORE, false), false);
        }
        for (String c : constants) {
            s = s.add(c, DataTypes.StringType, false);
        }
        return s;
    }

    /**
     * Scores every row of {@code rows}: a Dataset with the columns {@code id}, {@code label} and
     * {@code features} (as {@link ImageRow} has; no encoder is needed). Rows must carry
     * {@code channels x height x width} features as the model expects them (checked per row: a row
     * of another length fails the task, naming the row).
     */
    public Dataset<Row> score(SparkSession spark, Dataset<?> rows, boolean labeled, InputTransform transform,
                              int topK) {
        return score(spark, rows, labeled, transform, topK, new LinkedHashMap<>(), null);
    }

    /**
     * Scores every row as {@link #score(SparkSession, Dataset, boolean, InputTransform, int)} does,
     * with {@code constants} (name to value) as string columns after the others, the same in every
     * row, and every output row counted into {@code counted} (when not null) as it is produced. The
     * constants are part of the produced rows rather than a projection over them, and the count is
     * an accumulator rather than an observation: both save planning work and waiting on every
     * scoring run ({@code bench/score-vs-mllib}). In a result stage (a write) Spark applies a task's accumulator update
     * once, and only for successful tasks, so the count is exact under retries.
     */
    public Dataset<Row> score(SparkSession spark, Dataset<?> rows, boolean labeled, InputTransform transform,
                              int topK, LinkedHashMap<String, String> constants, LongAccumulator counted) {
        int classes = model.spec().classNames().size();
        if (topK < 0 || topK > classes) {
            throw new SettingException("topK must be between 0 and the model's " + classes + " classes, got " + topK,
                "topK");
        }
        Broadcast<float[]> params = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(model.params());
        String[] names = model.spec().classNames().toArray(new String[0]);
        int channels = model.spec().network().input().channels();
        // the features are read from Spark's column vectors or internal rows (see ImageCursor), and the
        // output is built as internal rows: no per-value conversion on either side
        String[] values = constants.values().toArray(new String[0]);
        String spec = specJson; // the task function captures values, not this scorer
        StructType out = schema(labeled, topK, List.copyOf(constants.keySet()));
        if (rows.isStreaming()) {
            // a streaming query must stay a plan of Dataset operations
            return ImageCursor.mapPartitions(rows.toDF(), ImageColumns.DATASET, (partition, cursor) -> new DatasetRows(cursor,
                new Passes(spec, params.value(), transform, channels), names, labeled, topK, values, counted), out);
        }
        JavaRDD<InternalRow> scored = ImageCursor.mapPartitions(rows.toDF(), (partition, cursor) -> new DatasetRows(cursor,
            new Passes(spec, params.value(), transform, channels), names, labeled, topK, values, counted));
        return ((org.apache.spark.sql.classic.SparkSession) spark).internalCreateDataFrame(scored.rdd(), out, false);
    }

    /**
     * Spark ML's output: every input column, then the raw prediction, probability (both vectors)
     * and prediction (a double) columns that {@code outSchema} holds after them, in its order.
     * Dataset operations only, so {@code df} may be a streaming DataFrame.
     *
     * @param outSchema the input's schema followed by the columns {@code columns} names that are set
     */
    public Dataset<Row> transform(Dataset<Row> df, String featuresCol, MlColumns columns, StructType outSchema) {
        int inputColumns = df.schema().size();
        MlColumns.Output[] outputs = new MlColumns.Output[outSchema.size() - inputColumns];
        for (int i = 0; i < outputs.length; i++) {
            outputs[i] = columns.outputOf(outSchema.fields()[inputColumns + i].name());
        }
        Broadcast<float[]> params = JavaSparkContext.fromSparkContext(df.sparkSession().sparkContext())
            .broadcast(model.params());
        String spec = specJson; // the task function captures values, not this scorer
        double[] thresholds = columns.thresholds();
        if (thresholds != null && thresholds.length != model.network().outputSize()) {
            throw new IllegalArgumentException("thresholds has " + thresholds.length + " values but the model has "
                + model.network().outputSize() + " classes");
        }
        return ImageCursor.mapRows(df, featuresCol, (partition, rows) -> new MlRows(rows,
            new Passes(spec, params.value(), InputTransform.NONE, 0), outputs, thresholds), outSchema);
    }

    /** One row's raw output, through the same pass as {@link #transform} (Spark ML's row-at-a-time path). */
    public float[] raw(Vector features) {
        Passes pass = new Passes(specJson, model.params(), InputTransform.NONE, 0);
        pass.next(ImageCursor.of(features), i -> { });
        return java.util.Arrays.copyOf(pass.raw(), pass.classes());
    }

    /**
     * The Spark ML columns a transform adds; an empty name leaves its column out.
     *
     * @param raw         the network's output before its final softmax
     * @param probability the class probabilities
     * @param prediction  the most probable class, as a double; with {@code thresholds}, the class whose
     *                    probability divided by its threshold is largest (a zero threshold wins), as
     *                    Spark ML's probabilistic classifiers predict
     * @param thresholds  one per class, or null
     */
    public record MlColumns(String raw, String probability, String prediction, double[] thresholds)
        implements java.io.Serializable {
        enum Output { RAW, PROBABILITY, PREDICTION }

        Output outputOf(String column) {
            if (column.equals(raw)) {
                return Output.RAW;
            }
            if (column.equals(probability)) {
                return Output.PROBABILITY;
            }
            if (column.equals(prediction)) {
                return Output.PREDICTION;
            }
            throw new IllegalArgumentException("the output column '" + column + "' is none of rawPrediction '" + raw
                + "', probability '" + probability + "' and prediction '" + prediction + "'");
        }
    }

    /** A partition's output rows, made a pass at a time. */
    private abstract static class PassRows implements Iterator<InternalRow> {
        final List<InternalRow> ready = new ArrayList<>(Worker.PASS_ROWS);
        private int next;

        /** Scores the next pass into {@link #ready}; false when the input has no more rows. */
        abstract boolean scoreNextPass();

        @Override
        public boolean hasNext() {
            if (next < ready.size()) {
                return true;
            }
            ready.clear();
            next = 0;
            return scoreNextPass();
        }

        @Override
        public InternalRow next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return ready.get(next++);
        }
    }

    /** A partition's rows in ScoreJob's layout. */
    private static final class DatasetRows extends PassRows {
        private final ImageCursor input;
        private final Passes pass;
        private final UTF8String[] names;
        private final boolean labeled;
        private final int topK;
        private final UTF8String[] constants;
        private final LongAccumulator counted;
        private final UTF8String[] ids = new UTF8String[Worker.PASS_ROWS];
        private final Integer[] labels = new Integer[Worker.PASS_ROWS];

        DatasetRows(ImageCursor input, Passes pass, String[] names, boolean labeled, int topK, String[] constants,
                    LongAccumulator counted) {
            this.input = input;
            this.pass = pass;
            this.constants = utf8(constants);
            this.counted = counted;
            this.names = utf8(names);
            this.labeled = labeled;
            this.topK = topK;
        }

        @Override
        boolean scoreNextPass() {
            int b = pass.next(input, i -> {
                ids[i] = input.id();
                labels[i] = input.label();
            });
            if (b == 0) {
                return false;
            }
            float[] p = pass.probabilities();
            int classes = names.length;
            for (int i = 0; i < b; i++) {
                int off = i * classes;
                int predicted = pass.prediction(i);
                Object[] values = new Object[4 + (labeled ? 1 : 0) + (topK > 0 ? 1 : 0) + constants.length];
                int k = 0;
                values[k++] = ids[i];
                if (labeled) {
                    values[k++] = labels[i];
                }
                values[k++] = predicted;
                values[k++] = names[predicted];
                values[k++] = UnsafeArrayData.fromPrimitiveArray(p, Platform.FLOAT_ARRAY_OFFSET + 4 * off, classes, 4);
                if (topK > 0) {
                    values[k++] = topK(p, off);
                }
                System.arraycopy(constants, 0, values, k, constants.length);
                ready.add(new GenericInternalRow(values));
                ids[i] = null;
            }
            if (counted != null) {
                counted.add(b);
            }
            return true;
        }

        private static UTF8String[] utf8(String[] strings) {
            UTF8String[] out = new UTF8String[strings.length];
            for (int i = 0; i < strings.length; i++) {
                out[i] = UTF8String.fromString(strings[i]);
            }
            return out;
        }

        /** The {@code topK} most probable classes of the probabilities {@code p[off .. off + classes)}. */
        private GenericArrayData topK(float[] p, int off) {
            Integer[] order = new Integer[names.length];
            for (int c = 0; c < order.length; c++) {
                order[c] = c;
            }
            // most probable first; ties by class index, so the order is deterministic
            java.util.Arrays.sort(order, (a, c) -> p[off + a] != p[off + c] ? Float.compare(p[off + c], p[off + a])
                : Integer.compare(a, c));
            Object[] top = new Object[topK];
            for (int j = 0; j < topK; j++) {
                top[j] = new GenericInternalRow(new Object[] {order[j], names[order[j]], p[off + order[j]]});
            }
            return new GenericArrayData(top);
        }
    }

    /** A partition's rows with Spark ML's columns appended. */
    private static final class MlRows extends PassRows {
        private final ImageCursor.Rows input;
        private final Passes pass;
        private final MlColumns.Output[] outputs;
        private final double[] thresholds;
        private final VectorUDT vectors = new VectorUDT();
        private final InternalRow[] kept = new InternalRow[Worker.PASS_ROWS];

        MlRows(ImageCursor.Rows input, Passes pass, MlColumns.Output[] outputs, double[] thresholds) {
            this.input = input;
            this.pass = pass;
            this.outputs = outputs;
            this.thresholds = thresholds;
        }

        /** Spark ML's rule: the largest probability / threshold, a zero threshold counting as infinite. */
        static int thresholded(float[] p, int off, int classes, double[] thresholds) {
            int best = 0;
            double bestValue = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                double v = thresholds[c] == 0 ? Double.POSITIVE_INFINITY : p[off + c] / thresholds[c];
                if (v > bestValue) {
                    best = c;
                    bestValue = v;
                }
            }
            return best;
        }

        @Override
        boolean scoreNextPass() {
            int b = pass.next(input, i -> kept[i] = input.row().copy());
            if (b == 0) {
                return false;
            }
            int classes = pass.classes();
            float[] raw = pass.raw();
            float[] p = pass.probabilities();
            for (int i = 0; i < b; i++) {
                Object[] values = new Object[outputs.length];
                for (int k = 0; k < outputs.length; k++) {
                    values[k] = switch (outputs[k]) {
                        case RAW -> vectors.serialize(Vectors.dense(doubles(raw, i * classes, classes)));
                        case PROBABILITY -> vectors.serialize(Vectors.dense(doubles(p, i * classes, classes)));
                        case PREDICTION -> (double) (thresholds == null ? pass.prediction(i)
                            : thresholded(p, i * classes, classes, thresholds));
                    };
                }
                ready.add(new JoinedRow(kept[i], new GenericInternalRow(values)));
                kept[i] = null;
            }
            return true;
        }

        private static double[] doubles(float[] f, int off, int n) {
            double[] d = new double[n];
            for (int i = 0; i < n; i++) {
                d[i] = f[off + i];
            }
            return d;
        }
    }
}
