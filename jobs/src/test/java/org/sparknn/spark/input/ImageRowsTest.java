package org.sparknn.spark.input;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.spark.SparkException;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.sparknn.spark.train.Blocks;
import org.sparknn.testing.TestSpark;

class ImageRowsTest {
    /** Features as data-prep writes them: array elements nullable. */
    private static Dataset<Row> frame(List<Row> rows) {
        StructType schema = new StructType().add("id", DataTypes.StringType).add("label", DataTypes.IntegerType)
            .add("features", DataTypes.createArrayType(DataTypes.FloatType, true));
        return TestSpark.session().createDataFrame(rows, schema).repartition(2);
    }

    @Test
    void readsIdsLabelsAndFeaturesExactly() {
        Dataset<Row> df = frame(List.of(
            RowFactory.create("a", 3, new float[] {0.5f, -1.25f, Float.MIN_VALUE}),
            RowFactory.create("b", null, new float[] {7f, 8f, 9f}),
            RowFactory.create("c", 1, null)));
        assertNull(ImageCursor.ColumnarScan.of(ImageRows.select(df)), "a local relation is read as internal rows");
        List<ImageCursorTest.Seen> rows = ImageCursorTest.read(df);
        assertEquals(3, rows.size());
        assertEquals("a", rows.get(0).id());
        assertEquals(3, rows.get(0).label());
        assertArrayEquals(new float[] {0f, 0.5f, -1.25f, Float.MIN_VALUE, 0f}, rows.get(0).features());
        assertNull(rows.get(1).label());
        assertArrayEquals(new float[] {0f, 7f, 8f, 9f, 0f}, rows.get(1).features());
        assertNull(rows.get(2).features());
    }

    @Test
    void aNullFeatureValueIsAnErrorNamingTheRow() {
        Dataset<Row> df = frame(List.of(RowFactory.create("good", 1, new float[] {1f, 2f}),
            RowFactory.create("holey", 1, new Object[] {1f, null})));
        SparkException e = assertThrows(SparkException.class, () -> Blocks.ofDataset(df, 2, 10).count());
        Throwable cause = e;
        while (cause.getCause() != null && !(cause instanceof IllegalArgumentException)) {
            cause = cause.getCause();
        }
        assertTrue(cause.getMessage().contains("row 'holey': feature value 1 is null"), cause.getMessage());
    }

    @Test
    void wrongColumnTypesAreClearErrors() {
        StructType schema = new StructType().add("id", DataTypes.StringType).add("label", DataTypes.LongType)
            .add("features", DataTypes.createArrayType(DataTypes.FloatType, true));
        Dataset<Row> longLabels = TestSpark.session().createDataFrame(List.of(RowFactory.create("a", 1L, new float[] {1f})),
            schema);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageRows.select(longLabels));
        assertTrue(e.getMessage().contains("label column 'label' is bigint, expected int"), e.getMessage());
        Dataset<Row> noFeatures = longLabels.drop("features");
        e = assertThrows(IllegalArgumentException.class, () -> ImageRows.select(noFeatures));
        assertTrue(e.getMessage().contains("no column 'features'"), e.getMessage());
    }

    @Test
    void readsSparkMlColumnsTheSameWay() {
        StructType schema = new StructType().add("y", DataTypes.DoubleType).add("v", new VectorUDT());
        Dataset<Row> df = TestSpark.session().createDataFrame(List.of(
            RowFactory.create(3.0, Vectors.dense(0.5, -1.25, 0.1)),
            RowFactory.create(1.0, Vectors.sparse(3, new int[] {1}, new double[] {7.0}))), schema).coalesce(1);
        List<ImageCursorTest.Seen> rows = ImageCursorTest.read(df, ImageColumns.ml("y", "v", null));
        assertEquals("row 0 of partition 0", rows.get(0).id(), "rows without an id are named by position");
        assertEquals(3, rows.get(0).label());
        assertArrayEquals(new float[] {0f, 0.5f, -1.25f, (float) 0.1, 0f}, rows.get(0).features());
        assertEquals(1, rows.get(1).label());
        assertArrayEquals(new float[] {0f, 0f, 7f, 0f, 0f}, rows.get(1).features(), "a sparse vector's gaps are zeros");

        Dataset<Row> halves = TestSpark.session().createDataFrame(List.of(RowFactory.create(1.5, Vectors.dense(1.0))),
            schema);
        SparkException e = assertThrows(SparkException.class,
            () -> Blocks.of(halves, ImageColumns.ml("y", "v", null), 1, 10).count());
        Throwable cause = e;
        while (cause.getCause() != null && !(cause instanceof IllegalArgumentException)) {
            cause = cause.getCause();
        }
        assertTrue(cause.getMessage().contains("row 0 of partition 0: label 1.5 is not a class index"), cause.getMessage());
    }
}
