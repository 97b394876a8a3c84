package org.sparknn.spark.train;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.sparknn.dataset.PixelTable;
import org.sparknn.nn.spec.SettingException;
import org.sparknn.spark.input.ImageColumns;
import org.sparknn.spark.input.ImageCursor;

/** Converts a labeled DataFrame into one {@link Block} per partition, checking every row. */
public final class Blocks {
    private Blocks() {
    }

    /**
     * Blocks of a labeled dataset split in the contract's schema (id string, label int, features
     * array&lt;float&gt; or 8-bit pixels). A split stored as pixels becomes blocks of pixels.
     */
    public static JavaRDD<Block> ofDataset(Dataset<Row> df, int length, int classes) {
        return of(df, ImageColumns.DATASET.labeled(), length, classes);
    }

    /**
     * Blocks of the rows of {@code df}, read through {@link ImageCursor} (from Spark's column vectors
     * or internal rows, so the features are copied as primitive values); every row is checked: its
     * label a class index below {@code classes}, its features {@code length} values, its weight
     * (when {@code columns} names a weight column) a finite float &gt;= 0.
     */
    public static JavaRDD<Block> of(Dataset<Row> df, ImageColumns columns, int length, int classes) {
        return ImageCursor.mapPartitions(df, columns, (partition, rows) -> {
            PixelTable table = rows.pixelTable();
            Packer packer = new Packer(length, table, columns.weight() != null);
            while (rows.advance()) {
                int n = rows.featureCount();
                // the row's name is made only for an error message
                if (n < 0) {
                    throw new IllegalArgumentException(rows.where() + ": features are null");
                }
                if (n != length) {
                    throw new IllegalArgumentException(rows.where() + ": features have " + n
                        + " values, the network expects " + length);
                }
                Integer label = rows.label();
                if (label == null) {
                    throw new IllegalArgumentException(rows.where() + ": label is null");
                }
                if (label < 0 || label >= classes) {
                    throw new IllegalArgumentException(rows.where() + ": label " + label + " is not a class index in 0.."
                        + (classes - 1));
                }
                float weight = 1;
                if (columns.weight() != null) {
                    Double w = rows.weight();
                    if (w == null) {
                        throw new IllegalArgumentException(rows.where() + ": weight is null");
                    }
                    weight = (float) w.doubleValue();
                    if (!(weight >= 0) || Float.isInfinite(weight)) {
                        throw new IllegalArgumentException(rows.where() + ": weight " + w
                            + " is not a finite number >= 0");
                    }
                }
                int at = packer.next(label, weight); // before x() or pixels(): it may replace them
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

    /** Growing buffers for one partition's rows: floats, or 8-bit pixels with their table. */
    static final class Packer {
        /** Largest Java array the JVM reliably allocates. */
        static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

        private final int length;
        private final PixelTable table;
        private float[] x;
        private byte[] pixels;
        private int[] y;
        private float[] w;
        private int n;

        /**
         * @param table    the pixels' table for a block of pixels, null for a block of floats
         * @param weighted whether the rows have example weights
         */
        Packer(int length, PixelTable table, boolean weighted) {
            this.length = length;
            this.table = table;
            this.w = weighted ? new float[256] : null;
            if (table == null) {
                this.x = new float[Math.max(1, length) * 256];
            } else {
                this.pixels = new byte[Math.max(1, length) * 256];
            }
            this.y = new int[256];
        }

        /**
         * Makes room for one more row of class {@code label} and example weight {@code weight}
         * (kept when the rows are weighted) and returns its offset in {@link #x()} or {@link #pixels()}.
         */
        int next(int label, float weight) {
            if (n == y.length) {
                long grown = Math.min((long) n * 2, MAX_ARRAY / Math.max(1, length));
                if (grown <= n) {
                    throw new SettingException("a partition holds more than " + n + " rows of " + length
                        + " values, more than one block can; train on more partitions (numPartitions)", "numPartitions");
                }
                y = Arrays.copyOf(y, (int) grown);
                if (w != null) {
                    w = Arrays.copyOf(w, (int) grown);
                }
                if (x != null) {
                    x = Arrays.copyOf(x, (int) grown * length);
                } else {
                    pixels = Arrays.copyOf(pixels, (int) grown * length);
                }
            }
            y[n] = label;
            if (w != null) {
                w[n] = weight;
            }
            return n++ * length;
        }

        float[] x() {
            return x;
        }

        byte[] pixels() {
            return pixels;
        }

        Block block(int partition) {
            return new Block(partition, n, length, x == null ? null : Arrays.copyOf(x, n * length),
                x == null ? Arrays.copyOf(pixels, n * length) : null, x == null ? table : null, Arrays.copyOf(y, n),
                w == null ? null : Arrays.copyOf(w, n));
        }
    }
}
