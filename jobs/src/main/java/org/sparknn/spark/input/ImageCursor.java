package org.sparknn.spark.input;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Alias;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeReference;
import org.apache.spark.sql.catalyst.expressions.ExprId;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.execution.CoalesceExec;
import org.apache.spark.sql.execution.ColumnarToRowExec;
import org.apache.spark.sql.execution.FileSourceScanExec;
import org.apache.spark.sql.execution.InputAdapter;
import org.apache.spark.sql.execution.ProjectExec;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.WholeStageCodegenExec;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarArray;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.apache.spark.unsafe.types.UTF8String;
import org.sparknn.dataset.DatasetMetadata;
import org.sparknn.dataset.DatasetSchema;
import org.sparknn.dataset.FeatureEncoding;
import org.sparknn.dataset.PixelTable;
import scala.Function2;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * One partition's rows (id or null, label or null, features), one row at a time: how every reader
 * (training blocks, the scorer, the Spark ML model) takes features out of a DataFrame.
 * What a row returns is valid until the next {@link #advance()}. Features stored as 8-bit pixels
 * ({@link FeatureEncoding#uint8}) are normalized as the column's dataset metadata says while they
 * are copied, so a reader sees the same floats whichever encoding the dataset has.
 *
 * <p>{@link #mapPartitions} reads a plain Parquet scan (column selection and at most one coalesce,
 * as data-prep's splits are read for scoring and training) straight from the column vectors of Spark's vectorized reader: a row's
 * features are copied once, out of the batch into the caller's array, and a batch with no null element anywhere is
 * known to be null-free without looking at each value. Any other plan (filters, exchanges, other
 * sources) is read from internal rows ({@link ImageRows}), with the same results. Measured on the
 * score bench: converting the column vectors to rows copied every feature value one at a time
 * with a null test each, and the row's array was then copied again.
 */
public interface ImageCursor {
    /** Moves to the next row; false when there is none. */
    boolean advance();

    /** The row's id, as a copy; null when the id is null. */
    UTF8String id();

    /** The row for an error message: its id, or its position in its partition when it has none. */
    String where();

    /**
     * The row's label, or null.
     *
     * @throws IllegalArgumentException naming the row when a label stored as a double is not a whole
     *                                  number in int's range
     */
    Integer label();

    /**
     * The row's example weight, or null when it is null; only for columns that name a weight
     * column ({@link ImageColumns#weight()}).
     */
    default Double weight() {
        throw new IllegalStateException("these rows have no weight column");
    }

    /** How many feature values the row has; -1 when its features are null. */
    int featureCount();

    /**
     * Copies the row's {@link #featureCount()} feature values to {@code dst} from {@code offset}.
     *
     * @throws IllegalArgumentException naming the row when a value is null
     */
    void copyFeatures(float[] dst, int offset);

    /** How the rows' 8-bit pixels become feature values; null when the features are stored as floats. */
    PixelTable pixelTable();

    /**
     * Copies the row's {@link #featureCount()} raw 8-bit pixels to {@code dst} from {@code offset}
     * (only when {@link #pixelTable()} is not null).
     */
    void copyPixels(byte[] dst, int offset);

    /**
     * Copies the values of {@code a} straight into {@code dst}: {@code toFloatArray} would allocate a
     * copy per row, which shows in the task CPU of every scoring run.
     */
    private static void copy(ArrayData a, float[] dst, int offset) {
        for (int i = 0, n = a.numElements(); i < n; i++) {
            dst[offset + i] = a.getFloat(i);
        }
    }

    /** What a partition's cursor becomes. */
    interface PartitionFunction<T> extends Serializable {
        Iterator<T> apply(int partition, ImageCursor rows);
    }

    /** What a partition's cursor over whole rows becomes ({@link Rows#row()} is the current row). */
    interface RowsFunction<T> extends Serializable {
        Iterator<T> apply(int partition, Rows rows);
    }

    /**
     * Applies {@code fn} to a cursor over every partition of {@code df}, which must have the
     * {@code id} and {@code features} (array&lt;float&gt;, or binary carrying its dataset metadata)
     * columns and may have an int {@code label}.
     */
    static <T> JavaRDD<T> mapPartitions(Dataset<Row> df, PartitionFunction<T> fn) {
        return mapPartitions(df, ImageColumns.DATASET, fn);
    }

    /** Applies {@code fn} to a cursor over every partition of the columns {@code columns} names in {@code df}. */
    @SuppressWarnings("unchecked")
    static <T> JavaRDD<T> mapPartitions(Dataset<Row> df, ImageColumns columns, PartitionFunction<T> fn) {
        Dataset<Row> selected = ImageRows.select(df, columns); // checks the columns and their types
        PixelTable pixels = pixelTable(selected);
        ColumnarScan scan = ColumnarScan.of(selected);
        ClassTag<T> tag = (ClassTag<T>) (ClassTag<?>) ClassTag$.MODULE$.AnyRef();
        StructType schema = selected.schema();
        Rows.Layout layout = Rows.Layout.of(schema);
        // mapPartitionsWithIndexInternal, as Spark SQL's own operators: no closure cleaning (it reads
        // the function's bytecode on every scoring run), the function is a named class. The flags
        // are Spark's defaults: preservesPartitioning, isOrderSensitive, preservesPartitionSizes.
        if (scan == null) {
            return ((org.apache.spark.sql.classic.Dataset<Row>) selected).queryExecution().toRdd()
                .mapPartitionsWithIndexInternal(new OverRows<>(fn::apply, layout, pixels), false, false, false, tag)
                .toJavaRDD();
        }
        return scan.batches().mapPartitionsWithIndexInternal(new OverBatches<>(fn, scan.id(), scan.label(),
            scan.features(), pixels), false, false, false, tag).toJavaRDD();
    }

    /**
     * Applies {@code fn} to a cursor over every partition of {@code df}'s own internal rows, whose
     * features are the column {@code features}: a Spark ML vector, array&lt;float&gt;, or 8-bit pixels
     * (binary) whose dataset metadata says how they are normalized. The rows have no id (they are
     * named by position) and no label. Dataset operations only ({@link InternalRowEncoder}): the
     * plan stays a query plan, so {@code df} may be a streaming DataFrame. {@code fn} returns
     * internal rows of {@code outSchema}.
     */
    static Dataset<Row> mapRows(Dataset<Row> df, String features, RowsFunction<InternalRow> fn, StructType outSchema) {
        StructType schema = df.schema();
        DataType type = schema.apply(features).dataType();
        ImageRows.Kind kind = ImageRows.Kind.of(type);
        if (kind == ImageRows.Kind.FLOATS && !(type instanceof ArrayType a && a.elementType().equals(DataTypes.FloatType))) {
            throw new IllegalArgumentException("features column '" + features + "' is " + type.simpleString()
                + ", expected a Spark ML vector, array<float> or the binary 8-bit pixels of a spark-nn dataset");
        }
        PixelTable pixels = kind == ImageRows.Kind.PIXELS ? pixelTable(schema.apply(features)) : null;
        return df.as(InternalRowEncoder.of(schema)).mapPartitions(new OverDatasetRows(fn,
            new Rows.Layout(-1, -1, false, schema.fieldIndex(features), kind), pixels), InternalRowEncoder.of(outSchema))
            .toDF();
    }

    /**
     * Applies {@code fn} to a cursor over every partition of the columns {@code columns} names in
     * {@code df}, as {@link #mapPartitions(Dataset, ImageColumns, PartitionFunction)} does, through
     * Dataset operations only, so {@code df} may be a streaming DataFrame. {@code fn} returns
     * internal rows of {@code outSchema}.
     */
    static Dataset<Row> mapPartitions(Dataset<Row> df, ImageColumns columns, PartitionFunction<InternalRow> fn,
                                      StructType outSchema) {
        Dataset<Row> selected = ImageRows.select(df, columns); // checks the columns and their types
        PixelTable pixels = pixelTable(selected);
        StructType schema = selected.schema();
        Rows.Layout layout = Rows.Layout.of(schema);
        return selected.as(InternalRowEncoder.of(schema)).mapPartitions(new OverDatasetRows(fn::apply, layout, pixels),
            InternalRowEncoder.of(outSchema)).toDF();
    }

    /** A cursor over one row holding {@code features}, read as {@link #mapRows} reads a vector column. */
    static Rows of(org.apache.spark.ml.linalg.Vector features) {
        InternalRow row = new org.apache.spark.sql.catalyst.expressions.GenericInternalRow(
            new Object[] {new org.apache.spark.ml.linalg.VectorUDT().serialize(features)});
        return new Rows(List.of(row).iterator(), new Rows.Layout(-1, -1, false, 0, ImageRows.Kind.VECTOR), null, 0);
    }

    /** The normalization table of binary features (from the column's dataset metadata); null for float features. */
    private static PixelTable pixelTable(Dataset<Row> selected) {
        if (!selected.schema().apply(DatasetSchema.FEATURES).dataType().equals(DataTypes.BinaryType)) {
            return null;
        }
        return pixelTable(DatasetSchema.metadataOf(selected.schema(), "binary features column"));
    }

    /** The normalization table of a binary features column, from its dataset metadata. */
    private static PixelTable pixelTable(org.apache.spark.sql.types.StructField features) {
        DatasetMetadata meta = DatasetSchema.metadataOf(features, "the binary features column '" + features.name() + "'");
        if (meta == null) {
            throw new IllegalArgumentException("the binary features column '" + features.name() + "' carries no spark-nn"
                + " dataset metadata, so how its 8-bit pixels are normalized is unknown; read it from a spark-nn dataset");
        }
        return pixelTable(meta);
    }

    private static PixelTable pixelTable(DatasetMetadata meta) {
        if (meta.encoding() != FeatureEncoding.uint8) {
            throw new IllegalArgumentException("the features column is binary but its dataset metadata says the encoding is "
                + meta.encoding() + ", expected uint8");
        }
        return PixelTable.of(meta);
    }

    /**
     * A vectorized file scan under a plan that above it only selects columns or coalesces
     * partitions (once): the scan, the column indices of id, label (-1: none, or a null literal)
     * and features in its batches, and the coalesced partition count (0: none).
     */
    record ColumnarScan(FileSourceScanExec scan, int id, int label, int features, int coalesce) {
        /**
         * The scan under {@code df}'s plan (in {@link ImageRows#select}'s layout); null when the plan
         * is anything else, or the columns are not an int label and array&lt;float&gt; or binary features.
         */
        static ColumnarScan of(Dataset<Row> df) {
            if (df.schema().size() > ImageRows.WEIGHT // weights are read from rows
                    || !df.schema().apply(ImageRows.LABEL).dataType().equals(DataTypes.IntegerType)
                    || ImageRows.Kind.of(df.schema().apply(ImageRows.FEATURES).dataType()) == ImageRows.Kind.VECTOR) {
                return null;
            }
            SparkPlan plan = ((org.apache.spark.sql.classic.Dataset<Row>) df).queryExecution().executedPlan();
            List<Object> resolved = new ArrayList<>();
            List<String> names = List.of(DatasetSchema.ID, DatasetSchema.LABEL, DatasetSchema.FEATURES);
            for (String name : names) {
                resolved.add(null);
                for (Attribute a : CollectionConverters.asJava(plan.output())) {
                    if (a.name().equals(name)) {
                        resolved.set(resolved.size() - 1, a.exprId());
                    }
                }
            }
            int coalesce = 0;
            while (true) {
                if (plan instanceof WholeStageCodegenExec w) {
                    plan = w.child();
                } else if (plan instanceof InputAdapter i) {
                    plan = i.child();
                } else if (plan instanceof ColumnarToRowExec c) {
                    plan = c.child();
                } else if (plan instanceof CoalesceExec c && coalesce == 0) {
                    coalesce = c.numPartitions();
                    plan = c.child();
                } else if (plan instanceof ProjectExec p) {
                    if (!throughProjection(p, resolved)) {
                        return null;
                    }
                    plan = p.child();
                } else {
                    break;
                }
            }
            if (!(plan instanceof FileSourceScanExec scan) || !scan.supportsColumnar()) {
                return null;
            }
            List<Attribute> output = CollectionConverters.asJava(scan.output());
            int[] columns = new int[names.size()];
            for (int c = 0; c < names.size(); c++) {
                columns[c] = -1;
                if (resolved.get(c) instanceof ExprId e) {
                    for (int i = 0; i < output.size(); i++) {
                        if (output.get(i).exprId().equals(e)) {
                            columns[c] = i;
                        }
                    }
                    if (columns[c] < 0) {
                        return null;
                    }
                }
            }
            return columns[0] >= 0 && columns[2] >= 0
                ? new ColumnarScan(scan, columns[0], columns[1], columns[2], coalesce) : null;
        }

        /** The scan's column batches, coalesced as the plan says. */
        RDD<ColumnarBatch> batches() {
            RDD<ColumnarBatch> batches = scan.executeColumnar();
            // what CoalesceExec does with its child's partitions, so the rows land alike
            return coalesce > 0 ? batches.coalesce(coalesce, false, scala.Option.empty(), null) : batches;
        }

        /**
         * Follows each wanted column (an ExprId) through a projection to the child's column, or
         * to {@code NULL} for a null literal; false when the projection computes anything else.
         */
        private static boolean throughProjection(ProjectExec p, List<Object> resolved) {
            for (int c = 0; c < resolved.size(); c++) {
                if (!(resolved.get(c) instanceof ExprId e)) {
                    continue;
                }
                Object next = null;
                for (NamedExpression ne : CollectionConverters.asJava(p.projectList())) {
                    if (!ne.exprId().equals(e)) {
                        continue;
                    }
                    Expression x = ne instanceof Alias alias ? alias.child() : (Expression) ne;
                    if (x instanceof AttributeReference ref) {
                        next = ref.exprId();
                    } else if (x.foldable() && x.eval(null) == null) {
                        next = NULL;
                    } else {
                        return false;
                    }
                }
                if (next == null) {
                    return false;
                }
                resolved.set(c, next);
            }
            return true;
        }

        private static final Object NULL = new Object();
    }

    /** A partition function over column batches. */
    record OverBatches<T>(PartitionFunction<T> fn, int id, int label, int features, PixelTable pixels)
        implements Function2<Object, scala.collection.Iterator<ColumnarBatch>, scala.collection.Iterator<T>>, Serializable {
        @Override
        public scala.collection.Iterator<T> apply(Object partition, scala.collection.Iterator<ColumnarBatch> batches) {
            return CollectionConverters.asScala(fn.apply((Integer) partition,
                new Columnar(CollectionConverters.asJava(batches), id, label, features, pixels)));
        }
    }

    /** A partition function over internal rows. */
    record OverRows<T>(RowsFunction<T> fn, Rows.Layout layout, PixelTable pixels)
        implements Function2<Object, scala.collection.Iterator<InternalRow>, scala.collection.Iterator<T>>, Serializable {
        @Override
        public scala.collection.Iterator<T> apply(Object partition, scala.collection.Iterator<InternalRow> rows) {
            return CollectionConverters.asScala(fn.apply((Integer) partition, new Rows(CollectionConverters.asJava(rows),
                layout, pixels, (Integer) partition)));
        }
    }

    /** A partition function over internal rows, as a Dataset operation. */
    record OverDatasetRows(RowsFunction<InternalRow> fn, Rows.Layout layout, PixelTable pixels)
        implements org.apache.spark.api.java.function.MapPartitionsFunction<InternalRow, InternalRow> {
        @Override
        public Iterator<InternalRow> call(Iterator<InternalRow> rows) {
            int partition = org.apache.spark.TaskContext.getPartitionId();
            return fn.apply(partition, new Rows(rows, layout, pixels, partition));
        }
    }

    /** What both cursors share about 8-bit pixels: their table, and the current row's pixels. */
    abstract class WithPixels implements ImageCursor {
        /** The normalization of binary features, or null for float features. */
        final PixelTable pixels;
        /** The current row's pixels (binary features), null when they are null. */
        byte[] bytes;

        WithPixels(PixelTable pixels) {
            this.pixels = pixels;
        }

        @Override
        public PixelTable pixelTable() {
            return pixels;
        }

        @Override
        public void copyPixels(byte[] dst, int offset) {
            System.arraycopy(bytes, 0, dst, offset, bytes.length);
        }

        /** The current row's pixel count, -1 when its pixels are null. */
        int pixelCount() {
            return bytes == null ? -1 : bytes.length;
        }
    }

    /** Over internal rows: {@link ImageRows#select}'s layout, or a DataFrame's own rows ({@link #mapRows}). */
    final class Rows extends WithPixels {
        /**
         * Where a row's values are.
         *
         * @param id          id column, -1 for none
         * @param label       label column, -1 for none
         * @param labelDouble whether the label is a double (checked to be whole) rather than an int
         * @param features    features column
         * @param kind        how the features are stored
         * @param weight      example weight column (double), -1 for none
         */
        record Layout(int id, int label, boolean labelDouble, int features, ImageRows.Kind kind, int weight)
            implements Serializable {
            Layout(int id, int label, boolean labelDouble, int features, ImageRows.Kind kind) {
                this(id, label, labelDouble, features, kind, -1);
            }

            /** {@link ImageRows#select}'s layout, with its weight column when it has one. */
            static Layout of(StructType selected) {
                return new Layout(ImageRows.ID, ImageRows.LABEL,
                    selected.apply(ImageRows.LABEL).dataType().equals(DataTypes.DoubleType), ImageRows.FEATURES,
                    ImageRows.Kind.of(selected.apply(ImageRows.FEATURES).dataType()),
                    selected.size() > ImageRows.WEIGHT ? ImageRows.WEIGHT : -1);
            }
        }

        private final Iterator<InternalRow> rows;
        private final Layout layout;
        private final int partition;
        private long position = -1;
        private InternalRow row;
        /** The current row's float values (array&lt;float&gt; features, or a vector's values). */
        private ArrayData features;
        /** The current vector's size and, for a sparse vector, its indices (null when dense). */
        private int vectorSize;
        private ArrayData vectorIndices;

        Rows(Iterator<InternalRow> rows, Layout layout, PixelTable pixels, int partition) {
            super(pixels);
            this.rows = rows;
            this.layout = layout;
            this.partition = partition;
        }

        /** The current row, Spark's: valid until the next {@link #advance()}. */
        public InternalRow row() {
            return row;
        }

        @Override
        public boolean advance() {
            if (!rows.hasNext()) {
                row = null;
                return false;
            }
            row = rows.next();
            position++;
            switch (layout.kind()) {
                case PIXELS -> bytes = row.isNullAt(layout.features()) ? null : row.getBinary(layout.features());
                case FLOATS -> features = ImageRows.features(row, layout.features(), this); // checked for null values
                case VECTOR -> vector();
            }
            return true;
        }

        /** Reads a Spark ML vector's internal struct: type (0 sparse, 1 dense), size, indices, values. */
        private void vector() {
            if (row.isNullAt(layout.features())) {
                features = null;
                return;
            }
            InternalRow v = row.getStruct(layout.features(), 4);
            features = v.getArray(3);
            boolean sparse = v.getByte(0) == 0;
            vectorIndices = sparse ? v.getArray(2) : null;
            vectorSize = sparse ? v.getInt(1) : features.numElements();
        }

        @Override
        public UTF8String id() {
            return layout.id() < 0 || row.isNullAt(layout.id()) ? null : row.getUTF8String(layout.id()).copy();
        }

        @Override
        public String where() {
            UTF8String id = id();
            return id != null ? "row '" + id + "'" : "row " + position + " of partition " + partition;
        }

        @Override
        public Double weight() {
            if (layout.weight() < 0) {
                throw new IllegalStateException("these rows have no weight column");
            }
            return row.isNullAt(layout.weight()) ? null : row.getDouble(layout.weight());
        }

        @Override
        public Integer label() {
            if (layout.label() < 0 || row.isNullAt(layout.label())) {
                return null;
            }
            if (!layout.labelDouble()) {
                return row.getInt(layout.label());
            }
            double d = row.getDouble(layout.label());
            if (d != Math.rint(d) || d < Integer.MIN_VALUE || d > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(where() + ": label " + d + " is not a class index");
            }
            return (int) d;
        }

        @Override
        public int featureCount() {
            return switch (layout.kind()) {
                case PIXELS -> pixelCount();
                case FLOATS -> features == null ? -1 : features.numElements();
                case VECTOR -> features == null ? -1 : vectorSize;
            };
        }

        @Override
        public void copyFeatures(float[] dst, int offset) {
            switch (layout.kind()) {
                case PIXELS -> pixels.decode(bytes, dst, offset);
                case FLOATS -> copy(features, dst, offset);
                case VECTOR -> {
                    if (vectorIndices == null) {
                        for (int i = 0, n = features.numElements(); i < n; i++) {
                            dst[offset + i] = (float) features.getDouble(i);
                        }
                    } else {
                        java.util.Arrays.fill(dst, offset, offset + vectorSize, 0f);
                        for (int k = 0, n = vectorIndices.numElements(); k < n; k++) {
                            dst[offset + vectorIndices.getInt(k)] = (float) features.getDouble(k);
                        }
                    }
                }
            }
        }
    }

    /** Over the column batches of a Parquet scan. */
    final class Columnar extends WithPixels {
        private final Iterator<ColumnarBatch> batches;
        private final int idColumn;
        private final int labelColumn;
        private final int featuresColumn;
        private ColumnarBatch batch;
        private ColumnVector ids;
        private ColumnVector labels;
        private ColumnVector features;
        private boolean elementsMayBeNull;
        private int row;
        /** The current row's features, null when they are null. */
        private ColumnarArray current;

        Columnar(Iterator<ColumnarBatch> batches, int idColumn, int labelColumn, int featuresColumn, PixelTable pixels) {
            super(pixels);
            this.batches = batches;
            this.idColumn = idColumn;
            this.labelColumn = labelColumn;
            this.featuresColumn = featuresColumn;
        }

        @Override
        public boolean advance() {
            row++;
            while (batch == null || row >= batch.numRows()) {
                if (!batches.hasNext()) {
                    return false;
                }
                batch = batches.next();
                row = 0;
                ids = batch.column(idColumn);
                labels = labelColumn < 0 ? null : batch.column(labelColumn);
                features = batch.column(featuresColumn);
                // the element vector spans the whole batch: no null in it means none in any row
                elementsMayBeNull = pixels == null && features.getChild(0).hasNull();
            }
            if (pixels != null) {
                bytes = features.isNullAt(row) ? null : features.getBinary(row);
            } else {
                current = features.isNullAt(row) ? null : features.getArray(row);
            }
            return true;
        }

        @Override
        public UTF8String id() {
            return ids.isNullAt(row) ? null : ids.getUTF8String(row).copy();
        }

        @Override
        public String where() {
            return "row '" + id() + "'";
        }

        @Override
        public Integer label() {
            return labels == null || labels.isNullAt(row) ? null : labels.getInt(row);
        }

        @Override
        public int featureCount() {
            if (pixels != null) {
                return pixelCount();
            }
            return current == null ? -1 : current.numElements();
        }

        @Override
        public void copyFeatures(float[] dst, int offset) {
            if (pixels != null) {
                pixels.decode(bytes, dst, offset);
                return;
            }
            if (elementsMayBeNull) {
                for (int i = 0; i < current.numElements(); i++) {
                    if (current.isNullAt(i)) {
                        throw new IllegalArgumentException(where() + ": feature value " + i + " is null");
                    }
                }
            }
            copy(current, dst, offset);
        }
    }
}
