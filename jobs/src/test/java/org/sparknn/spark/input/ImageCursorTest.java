package org.sparknn.spark.input;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.SparkException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparknn.dataset.DatasetMetadata;
import org.sparknn.dataset.DatasetSchema;
import org.sparknn.dataset.FeatureEncoding;
import org.sparknn.nn.spec.Normalization;
import org.sparknn.testing.TestSpark;

class ImageCursorTest {
    @TempDir
    Path dir;

    /** What a cursor saw: id, label, features (a class, not a record: Kryo 4 cannot build records). */
    static final class Seen implements java.io.Serializable {
        private final String id;
        private final Integer label;
        private final float[] features;

        Seen(String id, Integer label, float[] features) {
            this.id = id;
            this.label = label;
            this.features = features;
        }

        String id() {
            return id;
        }

        Integer label() {
            return label;
        }

        float[] features() {
            return features;
        }
    }

    private Dataset<Row> parquet(String name, List<Row> rows) {
        StructType schema = new StructType().add("id", DataTypes.StringType).add("label", DataTypes.IntegerType)
            .add("features", DataTypes.createArrayType(DataTypes.FloatType, true));
        String path = dir.resolve(name).toString();
        TestSpark.session().createDataFrame(rows, schema).repartition(2).write().parquet(path);
        return TestSpark.session().read().parquet(path);
    }

    /** Every row a cursor yields for {@code df}, sorted by id; features at offset 1 of a longer array. */
    static List<Seen> read(Dataset<Row> df) {
        return read(df, ImageColumns.DATASET);
    }

    static List<Seen> read(Dataset<Row> df, ImageColumns columns) {
        List<Seen> seen = new ArrayList<>(ImageCursor.mapPartitions(df, columns, (partition, c) -> {
            List<Seen> out = new ArrayList<>();
            while (c.advance()) {
                int n = c.featureCount();
                float[] f = n < 0 ? null : new float[n + 2];
                if (f != null) {
                    c.copyFeatures(f, 1); // at an offset, as into a batch
                }
                out.add(new Seen(c.id() != null ? c.id().toString() : c.where(), c.label(), f));
            }
            return out.iterator();
        }).collect());
        seen.sort(Comparator.comparing(Seen::id));
        return seen;
    }

    private static List<Row> rows(int n) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(RowFactory.create(String.format("r%04d", i), i % 3 == 0 ? null : i % 10,
                new float[] {i, -i * 0.5f, i % 7 == 0 ? 0f : 1f / (i + 1)}));
        }
        return rows;
    }

    @Test
    void parquetScansAreReadFromColumnVectorsWithTheSameRowsAsOtherPlans() {
        Dataset<Row> df = parquet("plain", rows(1500)); // several column batches per file
        ImageCursor.ColumnarScan plain = ImageCursor.ColumnarScan.of(ImageRows.select(df));
        assertNotNull(plain, "a plain scan is read columnar");
        assertEquals(0, plain.coalesce());
        Dataset<Row> shuffled = df.repartition(3);
        assertNull(ImageCursor.ColumnarScan.of(ImageRows.select(shuffled)), "an exchange is read as rows");
        Dataset<Row> coalesced = df.coalesce(1);
        ImageCursor.ColumnarScan merged = ImageCursor.ColumnarScan.of(ImageRows.select(coalesced));
        assertNotNull(merged, "a coalesced scan is read columnar");
        assertEquals(1, merged.coalesce());
        assertEquals(1, ImageCursor.mapPartitions(coalesced, (p, c) -> List.of(p).iterator()).collect().size());
        List<Seen> columnar = read(df);
        assertEquals(columnar.size(), read(coalesced).size());
        List<Seen> viaRows = read(shuffled);
        assertEquals(1500, columnar.size());
        assertEquals(viaRows.size(), columnar.size());
        for (int i = 0; i < columnar.size(); i++) {
            Seen a = columnar.get(i);
            Seen b = viaRows.get(i);
            assertEquals(String.format("r%04d", i), a.id());
            assertEquals(b.id(), a.id());
            assertEquals(b.label(), a.label());
            assertEquals(i % 3 == 0 ? null : i % 10, a.label());
            assertArrayEquals(b.features(), a.features());
            assertArrayEquals(new float[] {0f, i, -i * 0.5f, i % 7 == 0 ? 0f : 1f / (i + 1), 0f}, a.features());
        }
    }

    @Test
    void unlabeledScansReadNullLabels() {
        Dataset<Row> df = parquet("unlabeled", rows(10)).drop("label");
        ImageCursor.ColumnarScan scan = ImageCursor.ColumnarScan.of(ImageRows.select(df));
        assertNotNull(scan);
        assertEquals(-1, scan.label(), "the null label literal has no column");
        List<Seen> seen = read(df);
        assertEquals(10, seen.size());
        assertTrue(seen.stream().allMatch(s -> s.label() == null));
    }

    @Test
    void aNullFeatureValueOrNullFeaturesAreNamedByRow() {
        List<Row> bad = new ArrayList<>(rows(20));
        bad.add(RowFactory.create("broken", 1, new Float[] {1f, null, 3f}));
        Dataset<Row> df = parquet("nulls", bad);
        SparkException e = assertThrows(SparkException.class, () -> read(df));
        assertTrue(String.valueOf(e.getCause() == null ? e.getMessage() : e.getCause().getMessage())
            .contains("row 'broken': feature value 1 is null"), e.toString());

        List<Seen> seen = read(parquet("absent", List.of(RowFactory.create("none", 2, null))));
        assertEquals(1, seen.size());
        assertNull(seen.get(0).features(), "null features are reported as such (featureCount -1)");
    }

    /** A dataset's 8-bit pixels (3 channels of 2 values), stored as binary with their dataset metadata; nullable columns. */
    private Dataset<Row> pixels(String name, List<Row> rows, DatasetMetadata meta) {
        StructType schema = new StructType();
        for (org.apache.spark.sql.types.StructField f : DatasetSchema.schema(meta).fields()) {
            schema = schema.add(f.name(), f.dataType(), true, f.metadata());
        }
        String path = dir.resolve(name).toString();
        TestSpark.session().createDataFrame(rows, schema).repartition(2).write().parquet(path);
        return TestSpark.session().read().parquet(path);
    }

    private static DatasetMetadata pixelMetadata() {
        Normalization n = Normalization.scaleOnly(Normalization.PIXEL_SCALE).withStatistics(new double[] {0.1, 0.7, 0.4},
            new double[] {0.3, 0.2, 0.5});
        return new DatasetMetadata(DatasetMetadata.FORMAT, DatasetMetadata.VERSION, "px", 1, 2, 3, List.of("a", "b"), n,
            FeatureEncoding.uint8, null, null);
    }

    @Test
    void eightBitPixelsAreNormalizedAsTheColumnsMetadataSaysOnBothReadPaths() {
        DatasetMetadata meta = pixelMetadata();
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 1200; i++) {
            rows.add(RowFactory.create(String.format("p%04d", i), i % 2, new byte[] {(byte) i, (byte) (255 - i % 256), 0,
                (byte) (i * 7), (byte) 255, (byte) (i / 5)}));
        }
        Dataset<Row> df = pixels("pixels", rows, meta);
        assertNotNull(ImageCursor.ColumnarScan.of(ImageRows.select(df)), "a plain scan of binary features is read columnar");
        List<Seen> columnar = read(df);
        List<Seen> viaRows = read(df.repartition(3));
        assertEquals(1200, columnar.size());
        for (int i = 0; i < columnar.size(); i++) {
            float[] expected = {i & 0xFF, (255 - i % 256) & 0xFF, 0, (i * 7) & 0xFF, 255, (i / 5) & 0xFF};
            meta.normalization().applyInPlace(expected, 3);
            float[] padded = new float[8];
            System.arraycopy(expected, 0, padded, 1, 6);
            assertEquals(String.format("p%04d", i), columnar.get(i).id());
            assertArrayEquals(padded, columnar.get(i).features(), "row " + i);
            assertArrayEquals(padded, viaRows.get(i).features(), "row " + i + " through an exchange");
        }
        // and a reader of the values sees the same floats
        List<Row> normalized = DatasetSchema.normalizedFeatures(df).orderBy("id").limit(3).collectAsList();
        for (int i = 0; i < 3; i++) {
            List<Float> values = normalized.get(i).getList(2);
            for (int k = 0; k < 6; k++) {
                assertEquals(columnar.get(i).features()[k + 1], values.get(k), "row " + i + " value " + k);
            }
        }
    }

    @Test
    void binaryFeaturesWithoutDatasetMetadataAreRefused() {
        StructType schema = new StructType().add("id", DataTypes.StringType).add("label", DataTypes.IntegerType)
            .add("features", DataTypes.BinaryType);
        Dataset<Row> df = TestSpark.session().createDataFrame(List.of(RowFactory.create("x", 1, new byte[] {1, 2})), schema);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> read(df));
        assertEquals("binary features column: the 'features' column carries no spark-nn dataset metadata"
            + " (was it written by IngestImagesJob?)", e.getMessage());
        List<Seen> none = read(pixels("no-pixels", List.of(RowFactory.create("gone", 0, null)), pixelMetadata()));
        assertNull(none.get(0).features(), "null pixels are reported as null features");
    }
}
