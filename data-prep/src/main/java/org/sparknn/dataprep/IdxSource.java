package org.sparknn.dataprep;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.sparknn.io.HadoopFiles;

/**
 * An IDX image file (count x rows x columns, unsigned bytes) with its IDX label file (count,
 * unsigned bytes), or without one for unlabeled images to score. The driver checks both headers, both lengths and the counts before any task
 * runs; tasks then read their own slice of rows straight from the files.
 */
public final class IdxSource {
    /** Rows per task: about 8 MB of 28x28 images. */
    static final int ROWS_PER_SLICE = 10_000;

    private final HadoopFiles files;
    private final Path images;
    private final Path labels;
    private final IdxHeader imageHeader;
    private final long[] classCounts;

    /**
     * Opens and validates the pair; throws {@link IdxFormatException} naming the file on any mismatch.
     *
     * @param labelsPath the label file, or null for unlabeled images
     */
    public IdxSource(HadoopFiles files, String imagesPath, String labelsPath) throws IOException {
        this.files = files;
        // qualified here: tasks run elsewhere (another working directory, another machine)
        this.images = qualified(files, imagesPath);
        this.labels = labelsPath == null ? null : qualified(files, labelsPath);
        try (InputStream in = files.openAt(images, 0)) {
            imageHeader = IdxHeader.read(imagesPath, in, 3);
        }
        imageHeader.checkLength(files.contentLength(images));
        if (labelsPath == null) {
            classCounts = new long[0];
            return;
        }
        IdxHeader labelHeader;
        byte[] labelBytes;
        try (InputStream in = files.openAt(labels, 0)) {
            labelHeader = IdxHeader.read(labelsPath, in, 1);
            labelBytes = in.readNBytes(labelHeader.count() + 1);
        }
        labelHeader.checkLength(labelHeader.headerBytes() + (long) labelBytes.length);
        if (labelHeader.count() != imageHeader.count()) {
            throw new IdxFormatException(String.format(
                "%s has %d labels but %s has %d images: the counts must match",
                labelsPath, labelHeader.count(), imagesPath, imageHeader.count()));
        }
        int max = -1;
        for (byte b : labelBytes) {
            max = Math.max(max, b & 0xFF);
        }
        classCounts = new long[max + 1];
        for (byte b : labelBytes) {
            classCounts[b & 0xFF]++;
        }
    }

    public int count() {
        return imageHeader.count();
    }

    public int height() {
        return imageHeader.dims()[1];
    }

    public int width() {
        return imageHeader.dims()[2];
    }

    /** Rows per label value 0..max (empty without labels). */
    public long[] classCounts() {
        return classCounts.clone();
    }

    /** Largest label + 1 (0 without labels). */
    public int numClasses() {
        return classCounts.length;
    }

    /**
     * The rows as {@link DecodedRows#SCHEMA}: ids {@code <name>-<split>-<index>} (zero-padded;
     * {@code <name>-<index>} for an empty split), raw pixel values 0..255, labels null without a
     * label file.
     */
    public Dataset<Row> load(SparkSession spark, String name, String split) {
        int n = count();
        List<int[]> slices = new ArrayList<>();
        for (int start = 0; start < n; start += ROWS_PER_SLICE) {
            slices.add(new int[] {start, Math.min(n, start + ROWS_PER_SLICE)});
        }
        if (slices.isEmpty()) {
            return spark.createDataFrame(List.of(), DecodedRows.SCHEMA);
        }
        String idFormat = name + "-" + (split.isEmpty() ? "" : split + "-") + "%0"
            + Math.max(1, String.valueOf(n - 1).length()) + "d";
        HadoopFiles f = files;
        Path img = images;
        Path lab = labels;
        int itemBytes = (int) imageHeader.itemBytes();
        int imageHeaderBytes = imageHeader.headerBytes();
        String sourceName = images.getName();
        JavaRDD<int[]> ranges = JavaSparkContext.fromSparkContext(spark.sparkContext())
            .parallelize(slices, slices.size());
        JavaRDD<Row> rows = ranges.mapPartitions((Iterator<int[]> it) -> {
            List<Row> out = new ArrayList<>();
            while (it.hasNext()) {
                int[] r = it.next();
                int count = r[1] - r[0];
                try (DataInputStream imgIn = new DataInputStream(f.openAt(img, imageHeaderBytes + (long) r[0] * itemBytes))) {
                    byte[] labelBytes = lab == null ? null : readLabels(f, lab, r[0], count);
                    byte[] pixels = new byte[itemBytes];
                    for (int i = 0; i < count; i++) {
                        imgIn.readFully(pixels);
                        float[] values = new float[itemBytes];
                        for (int p = 0; p < itemBytes; p++) {
                            values[p] = pixels[p] & 0xFF;
                        }
                        int index = r[0] + i;
                        Integer label = labelBytes == null ? null : labelBytes[i] & 0xFF;
                        out.add(RowFactory.create(String.format(idFormat, index), label, values,
                            sourceName + "#" + index, null));
                    }
                }
            }
            return out.iterator();
        });
        return spark.createDataFrame(rows, DecodedRows.SCHEMA);
    }

    private static Path qualified(HadoopFiles files, String path) throws IOException {
        Path p = new Path(path);
        return files.fs(p).makeQualified(p);
    }

    private static byte[] readLabels(HadoopFiles f, Path lab, int start, int count) throws IOException {
        try (InputStream labIn = f.openAt(lab, 8L + start)) {
            byte[] labelBytes = labIn.readNBytes(count);
            if (labelBytes.length != count) {
                throw new IOException(lab + " changed while it was read: rows " + start + ".." + (start + count)
                    + " are no longer there");
            }
            return labelBytes;
        }
    }
}
