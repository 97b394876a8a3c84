package org.sparknn.dataprep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparknn.dataset.DatasetMetadata;
import org.sparknn.dataset.DatasetSchema;
import org.sparknn.testing.TestSpark;

/** Parquet features input, string labels and standardization checked against hand-computed values. */
class IngestParquetTest {
    @TempDir
    Path dir;

    private static final StructType INPUT = new StructType()
        .add("key", DataTypes.StringType)
        .add("animal", DataTypes.StringType)
        .add("pixels", DataTypes.createArrayType(DataTypes.DoubleType));

    private String write(String name, List<Row> rows) {
        String p = dir.resolve(name).toString();
        TestSpark.session().createDataFrame(rows, INPUT).coalesce(1).write().parquet(p);
        return p;
    }

    @Test
    void standardizesWithTrainingStatisticsOnly() throws IOException {
        SparkSession spark = TestSpark.session();
        // images of 3 channels x 1 x 2 pixels, CHW order
        String train = write("train", List.of(
            RowFactory.create("a", "dog", List.of(0.0, 2.0, 10.0, 10.0, 1.0, 3.0)),
            RowFactory.create("b", "cat", List.of(4.0, 6.0, 20.0, 30.0, 5.0, 7.0))));
        String test = write("test", List.of(
            RowFactory.create("t1", "cat", List.of(3.0, 3.0, 17.5, 17.5, 4.0, 4.0 + Math.sqrt(5) * Math.sqrt(5))),
            RowFactory.create("t2", "dog", List.of(1.0, 2.0, 3.0, 4.0, 5.0)),
            RowFactory.create("t3", null, List.of(1.0, 2.0, 3.0, 4.0, 5.0, 6.0))));
        String out = dir.resolve("out").toString();
        IngestOptions o = IngestOptions.parquet(train, new ParquetSource.Columns(null, "pixels", "animal", "key"))
            .test(test).output(out, false).name("toy").shape(1, 2, 3).standardize(true).validation(0, 1).build();
        DatasetMetadata m = new Ingest(spark, o, new PrintStream(new ByteArrayOutputStream())).run().metadata();

        // By hand: channel 0 values 0,2,4,6 -> mean 3, variance (9+1+1+9)/4 = 5;
        // channel 1: 10,10,20,30 -> mean 17.5, variance (56.25+56.25+6.25+156.25)/4 = 68.75;
        // channel 2: 1,3,5,7 -> mean 4, variance 5.
        assertEquals(List.of("cat", "dog"), m.classNames());
        assertArrayEquals(new double[] {3, 17.5, 4}, m.normalization().mean(), 1e-12);
        assertArrayEquals(new double[] {Math.sqrt(5), Math.sqrt(68.75), Math.sqrt(5)}, m.normalization().std(), 1e-12);
        assertEquals(1.0, m.normalization().scale());

        List<Row> testRows = DatasetSchema.readSplit(spark, out, "test").collectAsList();
        assertEquals(1, testRows.size());
        assertEquals("t1", testRows.get(0).getString(0));
        assertEquals(0, testRows.get(0).getInt(1), "cat is class 0");
        assertArrayEquals(new float[] {0, 0, 0, 0, 0, (float) Math.sqrt(5)}, Ingest.toFloatArray(testRows.get(0), 2), 1e-6f);

        List<Row> rejects = spark.read().parquet(out + "/rejects").orderBy("id").collectAsList();
        assertEquals(2, rejects.size());
        assertEquals("t2", rejects.get(0).getString(1));
        assertEquals("features have 5 values, expected 6", rejects.get(0).getString(3));
        assertEquals("label is null", rejects.get(1).getString(3));
        assertEquals(2, m.splits().get("test").rejected());
        assertArrayEquals(new long[] {1, 1}, m.splits().get("train").classCounts());
    }
}
