package org.sparknn.spark.train;

import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;
import org.sparknn.dataset.DatasetSchema;
import org.sparknn.dataset.PixelTable;
import org.sparknn.nn.spec.SettingException;
import org.sparknn.spark.input.ImageCursor;

/** Converts a labeled DataFrame into one {@link Block} per partition, checking every row. */
public final class Blocks {
    private Blocks() {
    }

    /**
     * Blocks of a dataset split in the contract's schema (id string, label int, features
     * array&lt;float&gt; or 8-bit pixels), read from Spark's column vectors or internal rows so the
     * features are copied as primitive values (see {@link ImageCursor}). A split stored as pixels
     * becomes blocks of pixels.
     */
    public static JavaRDD<Block> ofDataset(Dataset<Row> df, int length, int classes) {
        if (!Arrays.asList(df.schema().fieldNames()).contains(DatasetSchema.LABEL)) {
            throw new IllegalArgumentException("no column '" + DatasetSchema.LABEL + "' in the input; columns are "
                + Arrays.asList(df.schema().fieldNames()));
        }
        return ImageCursor.mapPartitions(df, (partition, rows) -> {
            PixelTable table = rows.pixelTable();
            Packer packer = new Packer(length, table);
            while (rows.advance()) {
                int n = rows.featureCount();
                // the row's id is decoded only for an error message
                if (n < 0) {
                    throw new IllegalArgumentException("row '" + rows.id() + "': features are null");
                }
                if (n != length) {
                    throw new IllegalArgumentException("row '" + rows.id() + "': features have " + n
                        + " values, the network expects " + length);
                }
                Integer label = rows.label();
                if (label == null) {
                    throw new IllegalArgumentException("row '" + rows.id() + "': label is null");
                }
                int checked = label >= 0 && label < classes ? label : checkLabel(label, classes, "row '" + rows.id() + "'");
                int at = packer.next(checked); // before x() or pixels(): it may replace them
                if (table != null) {
                    rows.copyPixels(packer.pixels(), at);
                } else {
                    rows.copyFeatures(packer.x(), at);
                }
            }
            return List.of(packer.block(partition)).iterator();
        });
    }

    /**
     * Caches blocks for training (memory, spilling to disk) and cuts their lineage where that
     * loses nothing. Every training step is a job whose task binary carries the blocks' lineage,
     * here the Parquet scan and shuffle of the input DataFrame (about 30 KB, serialized on the driver
     * and deserialized by every task, each step); cutting it made the mlp's epochs about 25% faster
     * in local mode.
     * <ul>
     * <li>Local mode ({@code localCheckpoint}): there is no executor to lose.</li>
     * <li>A cluster with {@code spark.checkpoint.dir} set ({@code checkpoint}): the blocks are also
     * written there once, and a lost executor's blocks are read back from those files.</li>
     * <li>Otherwise the lineage is kept, so a lost executor's blocks are rebuilt from the input.</li>
     * </ul>
     */
    public static JavaRDD<Block> cache(JavaRDD<Block> blocks) {
        JavaRDD<Block> cached = blocks.persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
        if (blocks.context().isLocal()) {
            return cached.rdd().localCheckpoint().toJavaRDD();
        }
        if (blocks.context().getCheckpointDir().isDefined()) {
            cached.checkpoint();
        }
        return cached;
    }

    static int checkLabel(double label, int classes, String where) {
        if (label < 0 || label >= classes || label != Math.rint(label)) {
            throw new IllegalArgumentException(where + ": label " + label + " is not a class index in 0.." + (classes - 1));
        }
        return (int) label;
    }

    /** Growing buffers for one partition's rows: floats, or 8-bit pixels with their table. */
    static final class Packer {
        /** Largest Java array the JVM reliably allocates. */
        static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

        private final int length;
        private final PixelTable table;
        private float[] x;
        private byte[] pixels;
        private int[] y;
        private int n;

        Packer(int length) {
            this(length, null);
        }

        /** @param table the pixels' table for a block of pixels, null for a block of floats */
        Packer(int length, PixelTable table) {
            this.length = length;
            this.table = table;
            if (table == null) {
                this.x = new float[Math.max(1, length) * 256];
            } else {
                this.pixels = new byte[Math.max(1, length) * 256];
            }
            this.y = new int[256];
        }

        /** Makes room for one more row and returns its offset in {@link #x()} or {@link #pixels()}. */
        int next(int label) {
            if (n == y.length) {
                long grown = Math.min((long) n * 2, MAX_ARRAY / Math.max(1, length));
                if (grown <= n) {
                    throw new SettingException("a partition holds more than " + n + " rows of " + length
                        + " values, more than one block can; train on more partitions (numPartitions)", "numPartitions");
                }
                y = Arrays.copyOf(y, (int) grown);
                if (x != null) {
                    x = Arrays.copyOf(x, (int) grown * length);
                } else {
                    pixels = Arrays.copyOf(pixels, (int) grown * length);
                }
            }
            y[n] = label;
            return n++ * length;
        }

        float[] x() {
            return x;
        }

        byte[] pixels() {
            return pixels;
        }

        Block block(int partition) {
            return x != null ? new Block(partition, n, length, Arrays.copyOf(x, n * length), Arrays.copyOf(y, n))
                : new Block(partition, n, length, Arrays.copyOf(pixels, n * length), table, Arrays.copyOf(y, n));
        }
    }

    /**
     * @param labelCol    integer class index column (any integral numeric type, or an integral double)
     * @param featuresCol array of numbers or ML vector of {@code length} values
     * @param idCol       column naming rows in errors, or null
     */
    public static JavaRDD<Block> of(Dataset<Row> df, String labelCol, String featuresCol, String idCol, int length,
                                    int classes) {
        StructType schema = df.schema();
        List<String> names = Arrays.asList(schema.fieldNames());
        for (String c : new String[] {labelCol, featuresCol}) {
            if (!names.contains(c)) {
                throw new IllegalArgumentException("no column '" + c + "' in the input; columns are " + names);
            }
        }
        DataType ft = schema.apply(featuresCol).dataType();
        if (!(ft instanceof VectorUDT) && !(ft instanceof ArrayType a && a.elementType() instanceof NumericType)) {
            throw new IllegalArgumentException("features column '" + featuresCol + "' is " + ft.simpleString()
                + ", expected array<float> or a Spark ML vector" + (ft.equals(DataTypes.BinaryType)
                ? " (8-bit pixels of a spark-nn dataset become normalized floats through DatasetSchema.normalizedFeatures)" : ""));
        }
        if (!(schema.apply(labelCol).dataType() instanceof NumericType)) {
            throw new IllegalArgumentException("label column '" + labelCol + "' is "
                + schema.apply(labelCol).dataType().simpleString() + ", expected a class index");
        }
        boolean withId = idCol != null && names.contains(idCol);
        Dataset<Row> selected = withId ? df.select(labelCol, featuresCol, idCol) : df.select(labelCol, featuresCol);
        return selected.javaRDD().mapPartitionsWithIndex((Integer partition, Iterator<Row> rows) -> {
            Packer packer = new Packer(length);
            int i = 0;
            while (rows.hasNext()) {
                Row r = rows.next();
                String where = withId ? "row '" + r.get(2) + "'" : "row " + i + " of partition " + partition;
                if (r.isNullAt(0)) {
                    throw new IllegalArgumentException(where + ": label is null");
                }
                if (r.isNullAt(1)) {
                    throw new IllegalArgumentException(where + ": features are null");
                }
                int off = packer.next(checkLabel(((Number) r.get(0)).doubleValue(), classes, where));
                copyFeatures(r.get(1), packer.x(), off, length, where);
                i++;
            }
            return List.of(packer.block(partition)).iterator();
        }, true);
    }

    static void copyFeatures(Object value, float[] x, int off, int length, String where) {
        if (value instanceof Vector v) {
            if (v.size() != length) {
                throw new IllegalArgumentException(where + ": features have " + v.size() + " values, the network expects "
                    + length);
            }
            for (int i = 0; i < length; i++) {
                x[off + i] = (float) v.apply(i);
            }
            return;
        }
        scala.collection.Seq<?> seq = (scala.collection.Seq<?>) value;
        if (seq.size() != length) {
            throw new IllegalArgumentException(where + ": features have " + seq.size() + " values, the network expects "
                + length);
        }
        int i = 0;
        scala.collection.Iterator<?> it = seq.iterator();
        while (it.hasNext()) {
            x[off + i++] = ((Number) it.next()).floatValue();
        }
    }
}
