package org.sparknn.dataprep;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.sparknn.dataset.DatasetMetadata;
import org.sparknn.dataset.FeatureEncoding;
import org.sparknn.io.SparkJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Turns raw image datasets into the normalized Parquet datasets the training and scoring jobs read. */
@Command(name = "IngestImagesJob", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Reads MNIST-style IDX files, folders of PNG/JPEG images (one subfolder per class) or Parquet,",
        "validates and normalizes them, and writes a spark-nn dataset directory: train/, validation/,",
        "test/ (Parquet: id, label, features), rejects/ and dataset.json. The directory appears",
        "atomically when the job succeeds.",
        "",
        "Examples:",
        "  --format idx --train train-images-idx3-ubyte --train-labels train-labels-idx1-ubyte \\",
        "      --test t10k-images-idx3-ubyte --test-labels t10k-labels-idx1-ubyte --output data/mnist",
        "  --format images --train photos/train --test photos/test --height 64 --width 64 --resize --output data/photos",
        "  --format parquet --train in.parquet --features-col pixels --height 28 --width 28 --channels 1 --scale 0.00392156862745098 --output data/x",
        ""})
public final class IngestImagesJob implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    SparkJob.Verbose verbose;
    @Option(names = "--format", required = true, description = "Input format: ${COMPLETION-CANDIDATES}.")
    IngestOptions.Format format;
    @Option(names = "--train", required = true, description = "Training input: IDX image file, image folder or Parquet path.")
    String train;
    @Option(names = "--train-labels", description = "IDX label file of the training images (idx).")
    String trainLabels;
    @Option(names = "--test", description = "Test input, same kind as --train.")
    String test;
    @Option(names = "--test-labels", description = "IDX label file of the test images (idx).")
    String testLabels;
    @Option(names = "--output", required = true, description = "Dataset directory to write (any Hadoop file system).")
    String output;
    @Option(names = "--overwrite", description = "Replace an existing output directory.")
    boolean overwrite;
    @Option(names = "--name", defaultValue = "dataset", description = "Dataset name, prefix of generated row ids (default: ${DEFAULT-VALUE}).")
    String name;
    @Option(names = "--height", description = "Target image height (default: the most common height).")
    Integer height;
    @Option(names = "--width", description = "Target image width (default: the most common width).")
    Integer width;
    @Option(names = "--channels", description = "Target channels, 1 or 3 (default: 3 if any image is in color, else 1).")
    Integer channels;
    @Option(names = "--resize", description = "Resize images of another size instead of rejecting them (Lanczos, to the byte of Pillow's"
        + " resize: the pixels stay 8-bit values).")
    boolean resize;
    @Option(names = "--scale", description = "Multiplier of raw values (default: 1/255 for pixels, 1 for --features-col).")
    Double scale;
    @Option(names = "--standardize", description = "Also standardize each channel to mean 0, std 1 with statistics of the training split.")
    boolean standardize;
    @Option(names = "--encoding", description = "How to store the features: ${COMPLETION-CANDIDATES} (default: uint8, the raw"
        + " 8-bit pixels normalized when read, for IDX, images and Parquet image columns, resized or not; else float32,"
        + " the normalized values).")
    FeatureEncoding encoding;
    @Option(names = "--validation-fraction", defaultValue = "0", description = "Share of training rows moved to a validation split (default: ${DEFAULT-VALUE}).")
    double validationFraction;
    @Option(names = "--seed", defaultValue = "42", description = "Seed of the validation split (default: ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--class-names", split = ",", description = "Class names by label index, comma-separated.")
    List<String> classNames;
    @Option(names = "--image-col", description = "Parquet: image-struct column (Spark's image schema).")
    String imageCol;
    @Option(names = "--features-col", description = "Parquet: features column (numeric array or ML vector, CHW order).")
    String featuresCol;
    @Option(names = "--label-col", description = "Parquet: label column, class index or class name (default: label, if present).")
    String labelCol;
    @Option(names = "--id-col", description = "Parquet: id column (default: id, if present; else generated).")
    String idCol;
    @Option(names = "--no-labels", description = "Parquet/images: the input is unlabeled (scoring input).")
    boolean noLabels;

    public static void main(String[] args) {
        SparkJob.main(new IngestImagesJob(), args);
    }

    @Override
    public Integer call() throws Exception {
        if (format != IngestOptions.Format.parquet) {
            options(null); // bad options fail before Spark starts (Parquet's columns are known once it has)
        }
        return SparkJob.inSession("spark-nn ingest", spark -> {
            IngestOptions options = options(spark);
            Ingest.Result result = new Ingest(spark, options, System.out).run();
            System.out.print(summary(result, options.output()));
        });
    }

    /** The options; {@code spark} reads Parquet input's column names, and may be null for other formats. */
    IngestOptions options(SparkSession spark) {
        ParquetSource.Columns columns = null;
        if (format == IngestOptions.Format.parquet) {
            List<String> present = List.of(spark.read().parquet(train).schema().fieldNames());
            String label = noLabels ? null : labelCol != null ? labelCol : present.contains("label") ? "label" : null;
            String id = idCol != null ? idCol : present.contains("id") ? "id" : null;
            columns = new ParquetSource.Columns(imageCol, featuresCol, label, id);
        } else if (imageCol != null || featuresCol != null || labelCol != null || idCol != null) {
            throw new IllegalArgumentException("--image-col, --features-col, --label-col and --id-col apply to --format parquet only");
        }
        return IngestOptions.of(format, train).trainLabels(trainLabels).test(test).testLabels(testLabels)
            .output(output, overwrite).name(name).shape(height, width, channels).resize(resize).scale(scale)
            .standardize(standardize).validation(validationFraction, seed).classNames(classNames).parquetColumns(columns)
            .encoding(encoding).build();
    }

    /** The end-of-run summary: rows read, written and rejected per split, per-class counts, time. */
    static String summary(Ingest.Result result, String output) {
        DatasetMetadata m = result.metadata();
        StringBuilder b = new StringBuilder();
        b.append(String.format("%nDataset %s written to %s in %.1f s%n", m.name(), output, result.seconds()));
        b.append(String.format("  images %s (channels x height x width), %s, stored as %s%n", m.shapeString(), m.normalization(),
            m.encoding() == FeatureEncoding.uint8 ? "8-bit pixels" : "normalized floats"));
        b.append(String.format("  %-10s %10s %10s %10s%n", "split", "read", "written", "rejected"));
        long read = 0;
        long written = 0;
        long rejected = 0;
        for (Map.Entry<String, DatasetMetadata.SplitSummary> e : m.splits().entrySet()) {
            DatasetMetadata.SplitSummary s = e.getValue();
            b.append(String.format("  %-10s %10d %10d %10d%n", e.getKey(), s.inputRows(), s.rows(), s.rejected()));
            read += s.inputRows();
            written += s.rows();
            rejected += s.rejected();
        }
        b.append(String.format("  %-10s %10d %10d %10d%n", "total", read, written, rejected));
        if (m.labeled()) {
            b.append("  rows per class:\n");
            b.append(String.format("  %-16s", "class"));
            for (String split : m.splits().keySet()) {
                b.append(String.format(" %10s", split));
            }
            b.append('\n');
            for (int c = 0; c < m.numClasses(); c++) {
                b.append(String.format("  %-16s", m.classNames().get(c)));
                for (DatasetMetadata.SplitSummary s : m.splits().values()) {
                    b.append(String.format(" %10d", s.classCounts()[c]));
                }
                b.append('\n');
            }
        }
        if (!result.rejectedByReason().isEmpty()) {
            b.append("  rejected rows by reason (all listed in ").append(output).append("/rejects):\n");
            result.rejectedByReason().forEach((reason, n) -> b.append(String.format("  %8d  %s%n", n, reason)));
        }
        return b.toString();
    }
}
