package org.sparknn.spark.score;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;
import org.apache.spark.util.LongAccumulator;
import org.sparknn.dataset.DatasetSchema;
import org.sparknn.nn.io.ModelDirectory;
import org.sparknn.nn.layer.Activation;
import org.sparknn.nn.model.Network;
import org.sparknn.nn.spec.SettingException;
import org.sparknn.spark.input.ImageCursor;
import org.sparknn.spark.input.InputTransform;
import org.sparknn.spark.task.Worker;

/**
 * Batch scoring of a model over a Dataset: the parameters are broadcast once, and every partition
 * runs the forward pass over {@link Worker#PASS_ROWS} rows at a time (one GEMM per layer and batch).
 *
 * <p>Output columns: {@code id}, {@code label} (when the input is labeled), {@code prediction}
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

    public Scorer(ModelDirectory model) {
        this.model = model;
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
        String specJson = model.spec().network().toJson();
        String[] names = model.spec().classNames().toArray(new String[0]);
        int channels = model.spec().network().input().channels();
        // the features are read from Spark's column vectors or internal rows (see ImageCursor), and the
        // output is built as internal rows: no per-value conversion on either side
        String[] values = constants.values().toArray(new String[0]);
        JavaRDD<InternalRow> scored = ImageCursor.mapPartitions(rows.toDF(), (partition, cursor) -> new Batches(cursor,
            specJson, params.value(), names, channels, labeled, transform, topK, values, counted));
        return ((org.apache.spark.sql.classic.SparkSession) spark).internalCreateDataFrame(scored.rdd(),
            schema(labeled, topK, List.copyOf(constants.keySet())), false);
    }

    /** Forward passes over batches of a partition's rows. */
    private static final class Batches implements Iterator<InternalRow> {
        private final ImageCursor input;
        private final Network net;
        private final Network.Workspace ws;
        private final float[] params;
        private final UTF8String[] names;
        private final int channels;
        private final boolean labeled;
        private final InputTransform transform;
        private final boolean identity;
        private final int topK;
        private final UTF8String[] constants;
        private final LongAccumulator counted;
        private final int length;
        private final List<InternalRow> ready = new ArrayList<>(Worker.PASS_ROWS);
        private final UTF8String[] ids = new UTF8String[Worker.PASS_ROWS];
        private final Integer[] labels = new Integer[Worker.PASS_ROWS];
        private final float[] row;
        /** One row's probabilities, for networks whose output is not a softmax. */
        private final float[] probability;
        private int next;

        Batches(ImageCursor input, String specJson, float[] params, String[] names, int channels, boolean labeled,
                InputTransform transform, int topK, String[] constants, LongAccumulator counted) {
            this.input = input;
            this.constants = utf8(constants);
            this.counted = counted;
            this.net = Worker.network(specJson);
            this.ws = Worker.workspace(specJson, Worker.PASS_ROWS);
            this.params = params;
            this.names = utf8(names);
            this.channels = channels;
            this.labeled = labeled;
            this.transform = transform;
            this.identity = transform.isIdentity();
            this.topK = topK;
            this.length = net.inputSize();
            this.row = new float[length];
            this.probability = new float[names.length];
        }

        @Override
        public boolean hasNext() {
            if (next < ready.size()) {
                return true;
            }
            ready.clear();
            next = 0;
            int b = 0;
            while (b < Worker.PASS_ROWS && input.advance()) {
                int n = input.featureCount();
                if (n != length) {
                    throw new IllegalArgumentException("row '" + input.id() + "' has " + (n < 0 ? "no" : n)
                        + " feature values but the model expects " + length);
                }
                if (identity) {
                    input.copyFeatures(ws.input(), b * length);
                } else {
                    input.copyFeatures(row, 0);
                    transform.applyInPlace(row, channels);
                    System.arraycopy(row, 0, ws.input(), b * length, length);
                }
                ids[b] = input.id();
                labels[b++] = input.label();
            }
            if (b == 0) {
                return false;
            }
            float[] out = net.forward(params, ws, b);
            float[] raw = net.rawOutput(ws);
            int classes = names.length;
            boolean softmaxed = net.endsWithSoftmax();
            for (int i = 0; i < b; i++) {
                // this row's probabilities: p[off .. off + classes)
                float[] p = out;
                int off = i * classes;
                if (!softmaxed) {
                    p = probability;
                    off = 0;
                    Activation.softmax(raw, i * classes, p, 0, classes);
                }
                int predicted = Network.argMax(p, off, classes);
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

        @Override
        public InternalRow next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return ready.get(next++);
        }
    }
}
