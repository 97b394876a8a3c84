package org.sparknn.dataprep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparknn.dataset.DatasetMetadata;
import org.sparknn.dataset.DatasetSchema;
import org.sparknn.dataset.FeatureEncoding;
import org.sparknn.testing.TestSpark;

class IngestImageFoldersTest {
    @TempDir
    static Path dir;
    static Path train;
    static Path test;

    /** Gray 4x4 image whose pixel (y, x) is 40*y + 10*x + base. */
    static BufferedImage gray(int h, int w, int base) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.getRaster().setSample(x, y, 0, 40 * y + 10 * x + base);
            }
        }
        return img;
    }

    static BufferedImage rgb(int h, int w, int r, int g, int b) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return img;
    }

    static void save(BufferedImage img, String format, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        assertTrue(ImageIO.write(img, format, file.toFile()), "no ImageIO writer for " + format);
    }

    @BeforeAll
    static void makeImages() throws IOException {
        train = dir.resolve("train");
        test = dir.resolve("test");
        save(gray(4, 4, 0), "png", train.resolve("cat/a.png"));
        save(gray(4, 4, 5), "png", train.resolve("cat/b.png"));
        save(gray(6, 6, 0), "png", train.resolve("cat/too-big.png"));
        save(rgb(4, 4, 200, 100, 50), "png", train.resolve("dog/c.png"));
        save(rgb(4, 4, 30, 60, 90), "jpg", train.resolve("dog/d.jpg"));
        Files.write(train.resolve("dog/broken.png"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        save(gray(4, 4, 1), "png", train.resolve("stray.png"));
        save(gray(4, 4, 2), "png", test.resolve("cat/e.png"));
        save(rgb(4, 4, 10, 20, 30), "png", test.resolve("dog/f.png"));
    }

    private static IngestOptions options(String out, boolean resize) {
        return IngestOptions.images(train.toString()).test(test.toString()).output(out, false).name("pets")
            .shape(4, 4, 3).resize(resize).validation(0, 1).build();
    }

    private static Ingest.Result ingest(IngestOptions o) throws IOException {
        return new Ingest(TestSpark.session(), o, new PrintStream(new ByteArrayOutputStream())).run();
    }

    private static Map<String, float[]> features(String dataset, String split) {
        Map<String, float[]> m = new TreeMap<>();
        for (Row r : DatasetSchema.normalizedFeatures(DatasetSchema.readSplit(TestSpark.session(), dataset, split))
                .collectAsList()) {
            m.put(r.getString(0) + "#" + r.getInt(1), Ingest.toFloatArray(r, 2));
        }
        return m;
    }

    @Test
    void readsPngAndJpegGrayAndColorAndRejectsTheRest() throws IOException {
        String out = dir.resolve("out-strict").toString();
        Ingest.Result result = ingest(options(out, false));
        DatasetMetadata m = result.metadata();
        assertEquals(List.of("cat", "dog"), m.classNames());
        assertEquals("3x4x4", m.shapeString());
        assertEquals(4, m.splits().get("train").rows());
        assertEquals(3, m.splits().get("train").rejected());
        assertEquals(2, m.splits().get("test").rows());
        assertEquals(FeatureEncoding.uint8, m.encoding(), "decoded 8-bit pixels are stored as they are");
        assertEquals(DataTypes.BinaryType, DatasetSchema.readSplit(TestSpark.session(), out, "train").schema()
            .apply(DatasetSchema.FEATURES).dataType());

        Map<String, float[]> rows = features(out, "train");
        assertEquals(List.of("train/cat/a.png#0", "train/cat/b.png#0", "train/dog/c.png#1", "train/dog/d.jpg#1"),
            List.copyOf(rows.keySet()));
        // gray PNG is lossless: every channel plane holds the pixel value / 255
        float[] a = rows.get("train/cat/a.png#0");
        assertEquals(48, a.length);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 4; y++) {
                for (int x = 0; x < 4; x++) {
                    assertEquals((40 * y + 10 * x) / 255f, a[c * 16 + y * 4 + x], 1e-6f);
                }
            }
        }
        float[] c = rows.get("train/dog/c.png#1");
        assertEquals(200 / 255f, c[0], 1e-6f);
        assertEquals(100 / 255f, c[16], 1e-6f);
        assertEquals(50 / 255f, c[32], 1e-6f);
        float[] d = rows.get("train/dog/d.jpg#1");
        assertEquals(30 / 255f, d[5], 12 / 255f, "JPEG is lossy, but close");
        assertEquals(90 / 255f, d[37], 12 / 255f);

        Map<String, String> rejects = new TreeMap<>();
        for (Row r : TestSpark.session().read().parquet(out + "/rejects").collectAsList()) {
            assertEquals("train", r.getString(0));
            rejects.put(r.getString(1), r.getString(3));
        }
        assertEquals(Map.of(
            "train/dog/broken.png", "not a decodable image (PNG or JPEG expected)",
            "train/cat/too-big.png", "image is 6x6 (height x width), expected 4x4; pass --resize to resize it",
            "train/stray.png", "file is not inside a class folder of " + train), rejects);
        assertEquals(3, result.rejectedByReason().values().stream().mapToLong(Long::longValue).sum());
        String summary = IngestImagesJob.summary(result, out);
        assertTrue(summary.contains("train               7          4          3"), summary);
    }

    private static Map<String, String> rejects(String dataset) {
        Map<String, String> m = new TreeMap<>();
        for (Row r : TestSpark.session().read().parquet(dataset + "/rejects").collectAsList()) {
            m.put(r.getString(1), r.getString(3));
        }
        return m;
    }

    @Test
    void everyFileIsWrittenOrRejectedAndAColorImageInAGrayDatasetIsConverted() throws IOException {
        Path root = dir.resolve("gray-train");
        save(gray(4, 4, 0), "png", root.resolve("cat/a.png"));
        save(gray(4, 4, 3), "png", root.resolve("cat/b.png"));
        Files.createFile(root.resolve("cat/empty.png"));
        save(gray(4, 4, 9), "png", root.resolve("cat/folder.png/inside.png"));
        save(rgb(4, 4, 200, 100, 50), "png", root.resolve("dog/color.png"));
        save(gray(4, 4, 7), "png", root.resolve("dog/d.png"));
        Files.createSymbolicLink(root.resolve("dog/link.png"), root.resolve("dog/gone.png"));
        String out = dir.resolve("out-gray").toString();
        // grayscale asked for, stored as 8-bit pixels (the default encoding of image folders)
        DatasetMetadata m = ingest(IngestOptions.images(root.toString()).output(out, false).name("gray")
            .shape(4, 4, 1).validation(0, 1).build()).metadata();
        assertEquals(FeatureEncoding.uint8, m.encoding());
        DatasetMetadata.SplitSummary train = m.splits().get("train");
        assertEquals(new DatasetMetadata.SplitSummary(7L, 4, 3, new long[] {2, 2}), train);
        assertEquals(train, DatasetMetadata.fromJson(Files.readString(Path.of(out, "dataset.json")), "dataset.json")
            .splits().get("train"), "dataset.json records what was read");
        Map<String, String> rejects = rejects(out);
        assertEquals(Map.of(
            "train/cat/empty.png", "an empty file (0 bytes), not an image",
            "train/cat/folder.png", "a directory named like an image file, not an image (its contents are not read)",
            "train/dog/link.png", "a broken symbolic link: its target " + root.resolve("dog/gone.png") + " does not exist"),
            rejects);
        // BT.601 luma rounded as Pillow rounds: convert("L") of (200, 100, 50) is 124
        float[] color = features(out, "train").get("train/dog/color.png#1");
        for (float v : color) {
            assertEquals(124 / 255f, v, 1e-7f);
        }
    }

    @Test
    void aFileThatCannotBeOpenedIsRejectedWithTheReason() throws IOException {
        Path root = dir.resolve("unreadable-train");
        save(gray(4, 4, 0), "png", root.resolve("cat/a.png"));
        save(gray(4, 4, 1), "png", root.resolve("cat/unreadable.png"));
        org.sparknn.testing.FailingOpenFileSystem.register(TestSpark.session().sparkContext().hadoopConfiguration());
        String out = dir.resolve("out-unreadable").toString();
        DatasetMetadata m = ingest(IngestOptions.images(
            org.sparknn.testing.FailingOpenFileSystem.uri(root)).output(out, false).name("unreadable").shape(4, 4, 1)
            .validation(0, 1).build()).metadata();
        assertEquals(new DatasetMetadata.SplitSummary(2L, 1, 1, new long[] {1}), m.splits().get("train"));
        String reason = rejects(out).get("train/cat/unreadable.png");
        assertTrue(reason != null && reason.startsWith("cannot read the file: java.nio.file.AccessDeniedException: "), reason);
    }

    @Test
    void resizesWhenAskedToWhole8BitValues() throws IOException {
        String out = dir.resolve("out-resize").toString();
        DatasetMetadata m = ingest(options(out, true)).metadata();
        assertEquals(FeatureEncoding.uint8, m.encoding(), "resized as Pillow resizes: whole 8-bit values");
        assertEquals(5, m.splits().get("train").rows());
        assertEquals(2, m.splits().get("train").rejected());
        float[] big = features(out, "train").get("train/cat/too-big.png#0");
        // the 6x6 ramp 40y+10x (Pillow's values are checked by the Python cross-check) stays a ramp
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                float v = big[y * 4 + x] * 255;
                assertEquals(Math.round(v), v, 1e-3, "a whole 8-bit value");
                if (x > 0) {
                    assertTrue(v > big[y * 4 + x - 1] * 255, "rising along x");
                }
                if (y > 0) {
                    assertTrue(v > big[(y - 1) * 4 + x] * 255, "rising along y");
                }
            }
        }
    }

    @Test
    void uint8IsRefusedForAFeaturesColumn() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
            () -> IngestOptions.parquet("in", new ParquetSource.Columns(null, "f", "label", null)).output("out", false)
                .name("pets").shape(4, 4, 3).validation(0, 1).encoding(FeatureEncoding.uint8).build());
        assertEquals("encoding uint8 stores 8-bit pixels as they are decoded, but featuresCol values are not pixels;"
            + " use float32", e.getMessage());
    }

    @Test
    void decodesEachImageOnceWhateverTheSplitsAndInfersTheShapeFromHeaders() throws IOException {
        String out = dir.resolve("out-once").toString();
        IngestOptions o = IngestOptions.images(train.toString()).test(test.toString()).output(out, false).name("pets")
            .validation(0.5, 3).build();
        long before = ImageFiles.DECODED.sum();
        DatasetMetadata m = ingest(o).metadata();
        assertEquals("3x4x4", m.shapeString());
        assertEquals(List.of("train", "validation", "test"), List.copyOf(m.splits().keySet()));
        // train (7 files: 4 rows and 3 rejects between train and validation) and test (2 files)
        assertEquals(7, m.splits().get("train").rows() + m.splits().get("train").rejected()
            + m.splits().get("validation").rows() + m.splits().get("validation").rejected());
        assertTrue(m.splits().get("validation").rows() > 0, "the seed puts rows in both");
        assertEquals(9, ImageFiles.DECODED.sum() - before, "each file decoded once: not for the shape, not per split");
    }

    @Test
    void fileNamesKeepTheirCharacters() throws IOException {
        Path odd = dir.resolve("odd names");
        save(gray(4, 4, 3), "png", odd.resolve("c at/a b%20#1 é.png"));
        save(gray(4, 4, 4), "png", odd.resolve("c at/x:y;z?.png"));
        String out = dir.resolve("out-odd").toString();
        ingest(IngestOptions.images(odd.toString()).output(out, false).name("odd").validation(0, 1).build());
        assertEquals(List.of("train/c at/a b%20#1 é.png#0", "train/c at/x:y;z?.png#0"),
            List.copyOf(features(out, "train").keySet()));
    }

    @Test
    void infersShapeFromTheMostCommonImage() throws IOException {
        String out = dir.resolve("out-inferred").toString();
        IngestOptions o = IngestOptions.images(train.toString()).output(out, false).name("pets").validation(0, 1).build();
        DatasetMetadata m = ingest(o).metadata();
        assertEquals("3x4x4", m.shapeString(), "4x4 is the common size and one image is in color");
        assertEquals(List.of("train"), List.copyOf(m.splits().keySet()));
    }

    @Test
    void existingOutputIsNotReplacedWithoutOverwrite() throws IOException {
        String out = dir.resolve("exists").toString();
        Files.createDirectories(Path.of(out));
        SparkSession spark = TestSpark.session();
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
            () -> new Ingest(spark, options(out, false), System.out).run());
        assertEquals(out + " already exists; pass --overwrite to replace it", e.getMessage());
        assertEquals(0, new File(out).list().length);
    }
}
