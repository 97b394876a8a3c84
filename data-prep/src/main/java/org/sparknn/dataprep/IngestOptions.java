package org.sparknn.dataprep;

import java.util.List;
import org.sparknn.dataset.FeatureEncoding;
import org.sparknn.nn.spec.Normalization;

/**
 * What {@link Ingest} reads and how; validated here so that every entry point (CLI, tests,
 * notebooks) gets the same errors.
 *
 * @param format             idx, images or parquet
 * @param train              training input: IDX image file, image folder, or Parquet path
 * @param trainLabels        IDX label file of the training images (idx only)
 * @param test               test input, or null
 * @param testLabels         IDX label file of the test images (idx only)
 * @param output             dataset directory to write
 * @param overwrite          replace an existing output directory
 * @param name               dataset name, prefix of generated row ids
 * @param height             target image height, or null to take it from the data
 * @param width              target image width, or null to take it from the data
 * @param channels           target channels (1 or 3), or null to take them from the data
 * @param resize             resize images of another size instead of rejecting them
 * @param scale              multiplier of raw values, or null for the default of the format
 * @param standardize        also standardize each channel with training-split statistics
 * @param validationFraction share of training rows moved to a validation split, 0 for none
 * @param seed               seed of the validation split
 * @param classNames         class names by label index, or null for the default
 * @param parquetColumns     columns of Parquet input (parquet only)
 * @param encoding           how to store the features, or null for {@link #effectiveEncoding()}'s choice
 */
public record IngestOptions(
    Format format,
    String train,
    String trainLabels,
    String test,
    String testLabels,
    String output,
    boolean overwrite,
    String name,
    Integer height,
    Integer width,
    Integer channels,
    boolean resize,
    Double scale,
    boolean standardize,
    double validationFraction,
    long seed,
    List<String> classNames,
    ParquetSource.Columns parquetColumns,
    FeatureEncoding encoding) {

    public enum Format { idx, images, parquet }

    public IngestOptions {
        require(format != null, "--format is required (idx, images or parquet)");
        require(train != null, "--train is required");
        require(output != null, "--output is required");
        require(name != null && name.matches("[A-Za-z0-9._-]+"),
            "--name must be letters, digits, '.', '_' or '-', got '" + name + "'");
        if (format == Format.idx) {
            require(trainLabels != null, "--format idx needs --train-labels (the IDX label file of --train)");
            require((test == null) == (testLabels == null), "--test and --test-labels go together for --format idx");
        } else {
            require(trainLabels == null && testLabels == null, "--train-labels/--test-labels apply to --format idx only");
        }
        if (format == Format.parquet) {
            require(parquetColumns != null, "--format parquet needs --image-col or --features-col");
        }
        require(height == null || height > 0, "--height must be positive, got " + height);
        require(width == null || width > 0, "--width must be positive, got " + width);
        require(channels == null || channels == 1 || channels == 3, "--channels must be 1 or 3, got " + channels);
        require(scale == null || (scale > 0 && Double.isFinite(scale)), "--scale must be a positive number, got " + scale);
        require(validationFraction >= 0 && validationFraction < 1,
            "--validation-fraction must be in [0, 1), got " + validationFraction);
        require(classNames == null || (!classNames.isEmpty() && classNames.stream().distinct().count() == classNames.size()),
            "--class-names must be distinct names, got " + classNames);
        boolean featuresInput = format == Format.parquet && parquetColumns.features() != null;
        require(!featuresInput || (height != null && width != null && channels != null),
            "--features-col input needs --height, --width and --channels to know the image shape");
        require(encoding != FeatureEncoding.uint8 || eightBit(format, parquetColumns, resize),
            "--encoding uint8 stores 8-bit pixels as they are decoded, but "
                + (resize ? "--resize interpolates them" : "--features-col values are not pixels") + "; use float32");
        classNames = classNames == null ? null : List.copyOf(classNames);
    }

    /** The options without an encoding: the choice of {@link #effectiveEncoding()}. */
    public IngestOptions(Format format, String train, String trainLabels, String test, String testLabels, String output,
                         boolean overwrite, String name, Integer height, Integer width, Integer channels, boolean resize,
                         Double scale, boolean standardize, double validationFraction, long seed, List<String> classNames,
                         ParquetSource.Columns parquetColumns) {
        this(format, train, trainLabels, test, testLabels, output, overwrite, name, height, width, channels, resize, scale,
            standardize, validationFraction, seed, classNames, parquetColumns, null);
    }

    /** True when every value the input decodes to is an 8-bit pixel value as it was read. */
    private static boolean eightBit(Format format, ParquetSource.Columns columns, boolean resize) {
        return !resize && (format != Format.parquet || columns.features() == null);
    }

    /**
     * The encoding to store: the given one, else {@code uint8} when the input decodes to 8-bit
     * pixels as they were read (IDX files, images and Parquet image columns not resized), else
     * {@code float32}.
     */
    public FeatureEncoding effectiveEncoding() {
        if (encoding != null) {
            return encoding;
        }
        return eightBit(format, parquetColumns, resize) ? FeatureEncoding.uint8 : FeatureEncoding.float32;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** The scale to apply: the given one, or 1/255 for pixels and 1 for a features column. */
    public double effectiveScale() {
        if (scale != null) {
            return scale;
        }
        boolean featuresInput = format == Format.parquet && parquetColumns.features() != null;
        return featuresInput ? 1.0 : Normalization.PIXEL_SCALE;
    }
}
