package org.sparknn.dataprep;

import java.io.IOException;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.sparknn.io.HadoopFiles;

/**
 * Raw images to score, decoded to a model's input shape with the same sources data-prep ingests
 * from: IDX files, a folder of PNG/JPEG images, or a Parquet table with an image or features
 * column. The input's image size is checked against the expected shape on the driver, before any
 * output is written; single rows that cannot be decoded become rejects with their reason.
 */
public final class RawImages {
    /** Where the images come from. */
    public enum Format { idx, images, parquet }

    /**
     * What to read.
     *
     * @param format   the input kind
     * @param path     the IDX image file, the image folder (read recursively) or the Parquet path
     * @param labels   IDX label file (idx only), or null
     * @param columns  Parquet columns (parquet only)
     * @param resize   resize images of another size instead of rejecting them
     * @param idPrefix prefix of generated row ids (IDX rows, Parquet rows without an id column)
     */
    public record Request(Format format, String path, String labels, ParquetSource.Columns columns, boolean resize,
                          String idPrefix) {
        public Request {
            if (format == null || path == null) {
                throw new IllegalArgumentException("raw input needs a format and a path");
            }
            if (labels != null && format != Format.idx) {
                throw new IllegalArgumentException("--labels applies to --format idx only");
            }
            if (format == Format.parquet && columns == null) {
                throw new IllegalArgumentException("--format parquet needs --image-col or --features-col");
            }
        }
    }

    private RawImages() {
    }

    /**
     * The rows as {@link DecodedRows#SCHEMA} (id, label or null, raw features or null, source,
     * reason), decoded to {@code channels x height x width}.
     *
     * @param classNames the model's classes, to map string labels of Parquet input
     * @throws IllegalArgumentException when the input's images have another size than expected
     */
    public static Dataset<Row> decode(SparkSession spark, Request r, int channels, int height, int width,
                                      List<String> classNames) throws IOException {
        String expected = shape(channels, height, width);
        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        String prefix = r.idPrefix() != null ? r.idPrefix() : new org.apache.hadoop.fs.Path(r.path()).getName()
            .replaceFirst("\\.gz$", "");
        switch (r.format()) {
            case idx -> {
                IdxSource idx = new IdxSource(files, r.path(), r.labels());
                if (idx.height() != height || idx.width() != width || channels != 1) {
                    throw new IllegalArgumentException(r.path() + " holds " + shape(1, idx.height(), idx.width())
                        + " images but the model expects " + expected + " (IDX input is not resized)");
                }
                return idx.load(spark, prefix, "");
            }
            case images -> {
                Dataset<Row> images = ImageFolderSource.readImages(spark, r.path());
                checkSize(ImageFolderSource.inferShape(ImageFiles.headers(spark, r.path())), r, expected, height, width);
                return ImageFolderSource.decode(spark, images, r.path(), "", null,
                    new ImageDecoder(height, width, channels, r.resize()));
            }
            case parquet -> {
                ParquetSource source = new ParquetSource(spark, r.path(), r.columns());
                ImageDecoder decoder = null;
                if (source.hasImageColumn()) {
                    checkSize(ImageFolderSource.inferShape(source.images()), r, expected, height, width);
                    decoder = new ImageDecoder(height, width, channels, r.resize());
                } else {
                    Integer length = source.firstFeatureLength();
                    if (length != null && length != channels * height * width) {
                        throw new IllegalArgumentException(r.path() + ": column '" + r.columns().features() + "' holds "
                            + length + " values per row but the model expects " + expected + " = "
                            + channels * height * width + " values");
                    }
                }
                return source.load(spark, prefix, "", decoder, channels * height * width, classNames);
            }
            default -> throw new IllegalStateException("unknown format " + r.format());
        }
    }

    private static void checkSize(int[] found, Request r, String expected, int height, int width) {
        if (found == null) {
            return; // nothing readable: every row becomes a reject with its reason
        }
        if ((found[0] != height || found[1] != width) && !r.resize()) {
            throw new IllegalArgumentException(r.path() + ": the images are " + shape(found[2], found[0], found[1])
                + " (the most common size) but the model expects " + expected + "; pass --resize to resize them");
        }
    }

    /** "CxHxW (channels x height x width)". */
    public static String shape(int channels, int height, int width) {
        return channels + "x" + height + "x" + width + " (channels x height x width)";
    }
}
