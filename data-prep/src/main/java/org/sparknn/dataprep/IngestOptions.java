package org.sparknn.dataprep;

import java.util.List;
import org.sparknn.dataset.FeatureEncoding;
import org.sparknn.nn.spec.Normalization;
import org.sparknn.nn.spec.SettingException;

/**
 * What {@link Ingest} reads and how; validated here so that every entry point (CLI, tests,
 * notebooks) gets the same errors, which name the settings by their concept names (the command line
 * says them as its flags). Built with {@link #idx}, {@link #images} or {@link #parquet}.
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
        require(format != null, "format is required (idx, images or parquet)", "format");
        require(train != null, "train is required", "train");
        require(output != null, "output is required", "output");
        require(name != null && name.matches("[A-Za-z0-9._-]+"),
            "name must be letters, digits, '.', '_' or '-', got '" + name + "'", "name");
        if (format == Format.idx) {
            require(trainLabels != null, "format idx needs trainLabels (the IDX label file of the training images)",
                "format", "trainLabels");
            require((test == null) == (testLabels == null), "test and testLabels go together for format idx",
                "test", "testLabels", "format");
        } else {
            require(trainLabels == null && testLabels == null, "trainLabels and testLabels apply to format idx only",
                "trainLabels", "testLabels", "format");
        }
        if (format == Format.parquet) {
            require(parquetColumns != null, "format parquet needs imageCol or featuresCol", "format", "imageCol",
                "featuresCol");
        }
        require(height == null || height > 0, "height must be positive, got " + height, "height");
        require(width == null || width > 0, "width must be positive, got " + width, "width");
        require(channels == null || channels == 1 || channels == 3, "channels must be 1 or 3, got " + channels, "channels");
        require(scale == null || (scale > 0 && Double.isFinite(scale)), "scale must be a positive number, got " + scale,
            "scale");
        require(validationFraction >= 0 && validationFraction < 1,
            "validationFraction must be in [0, 1), got " + validationFraction, "validationFraction");
        require(classNames == null || (!classNames.isEmpty() && classNames.stream().distinct().count() == classNames.size()),
            "classNames must be distinct names, got " + classNames, "classNames");
        boolean featuresInput = format == Format.parquet && parquetColumns.features() != null;
        require(!featuresInput || (height != null && width != null && channels != null),
            "featuresCol input needs height, width and channels to know the image shape", "featuresCol", "height", "width",
            "channels");
        require(encoding != FeatureEncoding.uint8 || eightBit(format, parquetColumns),
            "encoding uint8 stores 8-bit pixels as they are decoded, but featuresCol values are not pixels; use float32",
            "encoding", "featuresCol");
        classNames = classNames == null ? null : List.copyOf(classNames);
    }

    /** Options for IDX image and label files. */
    public static Builder idx(String trainImages, String trainLabels) {
        return new Builder(Format.idx, trainImages).trainLabels(trainLabels);
    }

    /** Options for a folder of images, one subfolder per class. */
    public static Builder images(String trainFolder) {
        return new Builder(Format.images, trainFolder);
    }

    /** Options for Parquet input with these columns. */
    public static Builder parquet(String train, ParquetSource.Columns columns) {
        return new Builder(Format.parquet, train).parquetColumns(columns);
    }

    /** Options of {@code format} (null when not given: an error at {@link Builder#build()}). */
    public static Builder of(Format format, String train) {
        return new Builder(format, train);
    }

    /** Options named at their call site; unset ones keep the job's defaults. {@link #build()} validates them. */
    public static final class Builder {
        private final Format format;
        private final String train;
        private String trainLabels;
        private String test;
        private String testLabels;
        private String output;
        private boolean overwrite;
        private String name = "dataset";
        private Integer height;
        private Integer width;
        private Integer channels;
        private boolean resize;
        private Double scale;
        private boolean standardize;
        private double validationFraction;
        private long seed = 42;
        private List<String> classNames;
        private ParquetSource.Columns parquetColumns;
        private FeatureEncoding encoding;

        private Builder(Format format, String train) {
            this.format = format;
            this.train = train;
        }

        /** The IDX label file of the training images. */
        public Builder trainLabels(String v) {
            trainLabels = v;
            return this;
        }

        /** The test input, of the training input's kind. */
        public Builder test(String v) {
            test = v;
            return this;
        }

        /** The IDX label file of the test images. */
        public Builder testLabels(String v) {
            testLabels = v;
            return this;
        }

        /** The dataset directory to write, and whether an existing one is replaced. */
        public Builder output(String v, boolean replace) {
            output = v;
            overwrite = replace;
            return this;
        }

        /** The dataset's name, prefix of generated row ids. */
        public Builder name(String v) {
            name = v;
            return this;
        }

        /** The target image shape; a null dimension is taken from the data. */
        public Builder shape(Integer h, Integer w, Integer c) {
            height = h;
            width = w;
            channels = c;
            return this;
        }

        /** Resize images of another size instead of rejecting them. */
        public Builder resize(boolean v) {
            resize = v;
            return this;
        }

        /** The multiplier of raw values; null for the format's default. */
        public Builder scale(Double v) {
            scale = v;
            return this;
        }

        /** Also standardize each channel with the training split's statistics. */
        public Builder standardize(boolean v) {
            standardize = v;
            return this;
        }

        /** The share of training rows moved to a validation split, and the split's seed. */
        public Builder validation(double fraction, long splitSeed) {
            validationFraction = fraction;
            seed = splitSeed;
            return this;
        }

        /** Class names by label index; null for the default. */
        public Builder classNames(List<String> v) {
            classNames = v;
            return this;
        }

        /** The columns of Parquet input. */
        public Builder parquetColumns(ParquetSource.Columns v) {
            parquetColumns = v;
            return this;
        }

        /** How to store the features; null for {@link IngestOptions#effectiveEncoding()}'s choice. */
        public Builder encoding(FeatureEncoding v) {
            encoding = v;
            return this;
        }

        public IngestOptions build() {
            return new IngestOptions(format, train, trainLabels, test, testLabels, output, overwrite, name, height, width,
                channels, resize, scale, standardize, validationFraction, seed, classNames, parquetColumns, encoding);
        }
    }

    /**
     * True when every value the input decodes to is an 8-bit pixel value: as it was read, or as
     * {@link Resample} resizes it (to whole 8-bit values, as Pillow does).
     */
    private static boolean eightBit(Format format, ParquetSource.Columns columns) {
        return format != Format.parquet || columns.features() == null;
    }

    /**
     * The encoding to store: the given one, else {@code uint8} when the input decodes to 8-bit
     * pixels (IDX files, images and Parquet image columns, resized or not), else {@code float32}.
     */
    public FeatureEncoding effectiveEncoding() {
        if (encoding != null) {
            return encoding;
        }
        return eightBit(format, parquetColumns) ? FeatureEncoding.uint8 : FeatureEncoding.float32;
    }

    private static void require(boolean ok, String message, String... settings) {
        if (!ok) {
            throw new SettingException(message, settings);
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
