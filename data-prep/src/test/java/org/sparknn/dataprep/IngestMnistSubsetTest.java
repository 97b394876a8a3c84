package org.sparknn.dataprep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparknn.dataset.DatasetMetadata;
import org.sparknn.dataset.DatasetSchema;
import org.sparknn.dataset.FeatureEncoding;
import org.sparknn.nn.spec.Normalization;
import org.sparknn.testing.TestData;
import org.sparknn.testing.TestSpark;

/** The real-MNIST subset ingested end to end, with a validation split and standardization. */
class IngestMnistSubsetTest {
    @TempDir
    static Path dir;
    static String out;
    static Ingest.Result result;
    static String printed;

    static IngestOptions options(String output) {
        return IngestOptions.idx(TestData.path(TestData.TRAIN_IMAGES),
            TestData.path(TestData.TRAIN_LABELS)).test(TestData.path(TestData.TEST_IMAGES))
            .testLabels(TestData.path(TestData.TEST_LABELS)).output(output, false).name("mnist").standardize(true)
            .validation(0.1, 7).build();
    }

    @BeforeAll
    static void ingest() throws IOException {
        out = dir.resolve("mnist").toString();
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        result = new Ingest(TestSpark.session(), options(out), new PrintStream(progress, true)).run();
        printed = progress.toString();
    }

    /** Raw pixels of the first {@code n} images, straight from the gzipped IDX file. */
    static byte[][] rawImages(String file, int n) throws IOException {
        try (DataInputStream in = new DataInputStream(new GZIPInputStream(Files.newInputStream(Path.of(file))))) {
            in.skipNBytes(16);
            byte[][] images = new byte[n][784];
            for (byte[] image : images) {
                in.readFully(image);
            }
            return images;
        }
    }

    @Test
    void everyRowIsWrittenOnceWithItsSplitAndClass() {
        DatasetMetadata m = result.metadata();
        assertEquals("1x28x28", m.shapeString());
        assertEquals(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), m.classNames());
        long train = m.splits().get("train").rows();
        long validation = m.splits().get("validation").rows();
        assertEquals(TestData.TRAIN_ROWS, train + validation);
        assertTrue(validation > 480 && validation < 720, "about 10% in validation, got " + validation);
        assertEquals(TestData.TEST_ROWS, m.splits().get("test").rows());
        for (DatasetMetadata.SplitSummary s : m.splits().values()) {
            assertEquals(s.rows(), Arrays.stream(s.classCounts()).sum());
            assertEquals(0, s.rejected());
        }
        SparkSession spark = TestSpark.session();
        Dataset<Row> all = DatasetSchema.readSplit(spark, out, "train")
            .union(DatasetSchema.readSplit(spark, out, "validation"));
        assertEquals(TestData.TRAIN_ROWS, all.select("id").distinct().count(), "ids are unique across train and validation");
        assertEquals(0, spark.read().parquet(out + "/rejects").count());
        assertTrue(printed.contains("writing the train split"), printed);
    }

    @Test
    void statisticsComeFromTheTrainingSplitOnlyAndAreAppliedToEverySplit() throws IOException {
        SparkSession spark = TestSpark.session();
        byte[][] raw = rawImages(TestData.path(TestData.TRAIN_IMAGES), TestData.TRAIN_ROWS);
        // mean and std by hand over exactly the rows that landed in train
        double sum = 0;
        double sumSq = 0;
        long n = 0;
        for (Row r : DatasetSchema.readSplit(spark, out, "train").select("id").collectAsList()) {
            byte[] image = raw[Integer.parseInt(r.getString(0).substring("mnist-train-".length()))];
            for (byte b : image) {
                double v = (b & 0xFF) / 255.0;
                sum += v;
                sumSq += v * v;
                n++;
            }
        }
        double mean = sum / n;
        double std = Math.sqrt(sumSq / n - mean * mean);
        Normalization norm = result.metadata().normalization();
        assertEquals(mean, norm.mean()[0], 1e-9);
        assertEquals(std, norm.std()[0], 1e-9);
        assertEquals(0.1307, mean, 0.01, "MNIST's well-known mean");

        byte[] test0 = rawImages(TestData.path(TestData.TEST_IMAGES), 1)[0];
        Row row = DatasetSchema.normalizedFeatures(DatasetSchema.readSplit(spark, out, "test"))
            .filter("id = 'mnist-test-000'").first();
        float[] features = Ingest.toFloatArray(row, 2);
        assertEquals(7, row.getInt(1), "the first MNIST test image is a 7");
        for (int i = 0; i < 784; i++) {
            assertEquals(((test0[i] & 0xFF) / 255.0 - mean) / std, features[i], 1e-5);
        }
    }

    @Test
    void metadataIsInTheSidecarAndInTheParquetFooter() throws IOException {
        DatasetMetadata sidecar = DatasetSchema.readMetadata(TestSpark.session(), out);
        assertEquals(result.metadata(), sidecar);
        DatasetMetadata fromSchema = DatasetSchema.metadataOf(DatasetSchema.readSplit(TestSpark.session(), out, "test").schema(), out);
        assertEquals(sidecar.normalization(), fromSchema.normalization());
        assertEquals(sidecar.classNames(), fromSchema.classNames());
        assertEquals(sidecar.shapeString(), fromSchema.shapeString());

        File part = Arrays.stream(new File(out, "test").listFiles()).filter(f -> f.getName().endsWith(".parquet"))
            .findFirst().orElseThrow();
        try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(
                new org.apache.hadoop.fs.Path(part.toURI()), new Configuration()))) {
            String sparkSchema = reader.getFooter().getFileMetaData().getKeyValueMetaData()
                .get("org.apache.spark.sql.parquet.row.metadata");
            assertTrue(sparkSchema.contains(DatasetSchema.METADATA_KEY), sparkSchema);
            // ids and images stored as bytes are all different: written plain, without a dictionary
            for (var column : reader.getFooter().getBlocks().get(0).getColumns()) {
                boolean unique = column.getPath().toDotString().equals(DatasetSchema.ID)
                    || column.getPath().toDotString().equals(DatasetSchema.FEATURES);
                assertEquals(!unique, column.hasDictionaryPage(), column.getPath().toDotString());
            }
        }
    }

    @Test
    void rerunningWritesTheSameRows() throws IOException {
        String again = dir.resolve("again").toString();
        new Ingest(TestSpark.session(), options(again), new PrintStream(new ByteArrayOutputStream())).run();
        SparkSession spark = TestSpark.session();
        for (String split : List.of("train", "validation", "test")) {
            Dataset<Row> a = DatasetSchema.readSplit(spark, out, split);
            Dataset<Row> b = DatasetSchema.readSplit(spark, again, split);
            assertEquals(a.count(), b.count(), split);
            assertEquals(0, a.except(b).count(), split);
        }
    }

    @Test
    void eightBitPixelsReadBackAsTheFloatsAFloat32DatasetStores() throws IOException {
        SparkSession spark = TestSpark.session();
        assertEquals(FeatureEncoding.uint8, result.metadata().encoding(), "IDX pixels are stored as bytes by default");
        String floats = dir.resolve("float32").toString();
        IngestOptions o = options(floats);
        o = IngestOptions.idx(o.train(), o.trainLabels()).test(o.test()).testLabels(o.testLabels()).output(floats, false)
            .name(o.name()).standardize(true).validation(0.1, 7).encoding(FeatureEncoding.float32).build();
        DatasetMetadata m = new Ingest(spark, o, new PrintStream(new ByteArrayOutputStream())).run().metadata();
        assertEquals(FeatureEncoding.float32, m.encoding());
        assertEquals(result.metadata().normalization(), m.normalization());
        for (String split : List.of("train", "validation", "test")) {
            Dataset<Row> stored = DatasetSchema.readSplit(spark, floats, split);
            assertEquals("array<float>", stored.schema().apply(DatasetSchema.FEATURES).dataType().simpleString());
            Dataset<Row> decoded = DatasetSchema.normalizedFeatures(DatasetSchema.readSplit(spark, out, split));
            // the same rows with the same float values (except compares them exactly)
            assertEquals(stored.count(), decoded.count(), split);
            assertEquals(0, stored.except(decoded).count(), split);
            assertEquals(0, decoded.except(stored).count(), split);
        }
    }

    @Test
    void aFailedRunLeavesNothingBehind() {
        Path failed = dir.resolve("failed");
        IngestOptions mismatched = IngestOptions.idx(TestData.path(TestData.TRAIN_IMAGES),
            TestData.path(TestData.TEST_LABELS)).output(failed.toString(), false).name("mnist").validation(0, 7).build();
        IdxFormatException e = assertThrows(IdxFormatException.class,
            () -> new Ingest(TestSpark.session(), mismatched, System.out).run());
        assertTrue(e.getMessage().contains("has 1000 labels but"), e.getMessage());
        assertFalse(Files.exists(failed));
        String[] left = dir.toFile().list((d, name) -> name.startsWith(".failed"));
        assertEquals(0, left.length, "no staging directory left: " + Arrays.toString(left));
    }
}
