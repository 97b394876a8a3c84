package org.sparknn.dataprep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparknn.dataset.DatasetMetadata;
import org.sparknn.testing.TestSpark;

/** Labels that are probably mistakes: rejected outside --class-names, warned about without it. */
class IngestLabelsTest {
    @TempDir
    Path dir;

    private record Run(DatasetMetadata metadata, String log, Map<String, String> rejects) {
    }

    private Run ingest(IngestOptions o) throws IOException {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        DatasetMetadata m = new Ingest(TestSpark.session(), o, new PrintStream(log, true, StandardCharsets.UTF_8)).run()
            .metadata();
        Map<String, String> rejects = new TreeMap<>();
        for (Row r : TestSpark.session().read().parquet(o.output() + "/rejects").collectAsList()) {
            rejects.put(r.getString(1), r.getString(3));
        }
        return new Run(m, log.toString(StandardCharsets.UTF_8), rejects);
    }

    /** Six 2x2 images labeled 0, 1, 2, 12, 1, 0: the 12 is a stray label. */
    private String[] idxPair() throws IOException {
        Path images = dir.resolve("images");
        Path labels = dir.resolve("labels");
        Files.write(images, IdxSourceTest.idx(new int[] {6, 2, 2}, new byte[24]));
        Files.write(labels, IdxSourceTest.idx(new int[] {6}, new byte[] {0, 1, 2, 12, 1, 0}));
        return new String[] {images.toString(), labels.toString()};
    }

    private IngestOptions idx(String[] pair, String out, List<String> classNames) {
        return IngestOptions.idx(pair[0], pair[1]).output(dir.resolve(out).toString(), false).name("digits")
            .validation(0, 1).classNames(classNames).build();
    }

    @Test
    void anIdxLabelBeyondTheClassesIsWarnedAboutOrRejected() throws IOException {
        String[] pair = idxPair();
        Run warned = ingest(idx(pair, "warned", null));
        assertEquals(13, warned.metadata().numClasses(), "without --class-names every label is a class");
        assertTrue(warned.log().contains("warning: the labels of " + pair[1] + " run from 0 to 12 but no row has 9 of them:"
            + " 3, 4, 5, 6, 7, 8, 9, 10, 11; each becomes a class without rows."), warned.log());

        Run rejected = ingest(idx(pair, "rejected", List.of("zero", "one", "two")));
        assertEquals(List.of("zero", "one", "two"), rejected.metadata().classNames());
        assertEquals(new DatasetMetadata.SplitSummary(6L, 5, 1, new long[] {2, 2, 1}),
            rejected.metadata().splits().get("train"));
        assertEquals(Map.of("digits-train-3", "label 12 is not a class index of --class-names, which gives 3 classes (0..2)"),
            rejected.rejects());
        assertFalse(rejected.log().contains("warning"), rejected.log());
    }

    private static final StructType INPUT = new StructType()
        .add("id", DataTypes.StringType)
        .add("label", DataTypes.StringType)
        .add("pixels", DataTypes.createArrayType(DataTypes.DoubleType));

    private IngestOptions parquet(String out, List<String> classNames) {
        String in = dir.resolve("named.parquet").toString();
        if (!Files.exists(Path.of(in))) {
            List<Double> px = List.of(1.0, 2.0);
            TestSpark.session().createDataFrame(List.of(RowFactory.create("a", "cat", px), RowFactory.create("b", "dog", px),
                RowFactory.create("c", "", px), RowFactory.create("d", " 4", px), RowFactory.create("e", "3.5", px),
                RowFactory.create("f", "7", px)), INPUT).coalesce(1).write().parquet(in);
        }
        return IngestOptions.parquet(in, new ParquetSource.Columns(null, "pixels", "label", "id"))
            .output(dir.resolve(out).toString(), false).name("named").shape(1, 2, 1).validation(0, 1)
            .classNames(classNames).build();
    }

    @Test
    void suspiciousClassNamesAreWarnedAboutOrRejected() throws IOException {
        Run warned = ingest(parquet("warned", null));
        assertEquals(List.of("", " 4", "3.5", "7", "cat", "dog"), warned.metadata().classNames());
        assertTrue(warned.log().contains("has class names that look like mistakes: '' (blank), ' 4' (surrounding spaces),"
            + " '3.5' (a number that is not whole); each becomes a class."), warned.log());

        Run rejected = ingest(parquet("rejected", List.of("cat", "dog", "7")));
        assertEquals(new DatasetMetadata.SplitSummary(6L, 3, 3, new long[] {1, 1, 1}),
            rejected.metadata().splits().get("train"));
        assertEquals(List.of("c", "d", "e"), List.copyOf(rejected.rejects().keySet()));
        assertEquals("label '3.5' is not one of the classes [7, cat, dog]", rejected.rejects().get("e"));
        assertFalse(rejected.log().contains("warning"), rejected.log());
    }

    @Test
    void whatLooksLikeAMistake() {
        assertEquals("blank", LabelChecks.suspicion("  "));
        assertEquals("surrounding spaces", LabelChecks.suspicion("cat "));
        assertEquals("a number that is not whole", LabelChecks.suspicion("1e3"));
        assertEquals(null, LabelChecks.suspicion("-2"));
        assertEquals(null, LabelChecks.suspicion("04"));
        assertEquals(null, LabelChecks.suspicion("golden retriever"));
        assertEquals(null, LabelChecks.gaps(new long[] {3, 1, 2}, "x"));
    }
}
