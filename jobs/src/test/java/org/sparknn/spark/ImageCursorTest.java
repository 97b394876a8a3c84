package org.sparknn.spark;

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
        List<Seen> seen = new ArrayList<>(ImageCursor.mapPartitions(df, (partition, c) -> {
            List<Seen> out = new ArrayList<>();
            while (c.advance()) {
                int n = c.featureCount();
                float[] f = n < 0 ? null : new float[n + 2];
                if (f != null) {
                    c.copyFeatures(f, 1); // at an offset, as into a batch
                }
                out.add(new Seen(String.valueOf(c.id()), c.label(), f));
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
}
