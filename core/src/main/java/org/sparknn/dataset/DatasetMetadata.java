package org.sparknn.dataset;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.sparknn.nn.spec.Normalization;

/**
 * What a dataset written by data-prep is: its image shape, class names, normalization and split
 * sizes. Stored as {@code dataset.json} next to the splits and in the Parquet schema metadata of
 * the {@code features} column, so a Parquet split read on its own still carries it.
 *
 * @param format        always {@link #FORMAT}
 * @param version       format version, {@link #VERSION}
 * @param name          dataset name, the prefix of generated row ids
 * @param height        image height in pixels
 * @param width         image width in pixels
 * @param channels      1 (grayscale) or 3 (RGB)
 * @param classNames    class names indexed by label, or null for an unlabeled dataset
 * @param normalization what turns the raw pixel values into model inputs
 * @param encoding      how the {@code features} column stores them: {@code float32} (normalized, the
 *                      default of datasets that do not say) or {@code uint8} (raw 8-bit pixels)
 * @param splits        per split: rows written, rows rejected, rows per class
 * @param source        how the dataset was made (input format, paths, options)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DatasetMetadata(
    String format,
    int version,
    String name,
    int height,
    int width,
    int channels,
    List<String> classNames,
    Normalization normalization,
    FeatureEncoding encoding,
    Map<String, SplitSummary> splits,
    Map<String, String> source) {

    public static final String FORMAT = "spark-nn-dataset";
    public static final int VERSION = 1;

    static final ObjectMapper JSON = new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    /**
     * @param read        input rows (files, IDX items, Parquet rows) that came into the split: every
     *                    one is either written or rejected; null in datasets written before it was
     *                    recorded
     * @param rows        rows written
     * @param rejected    input rows that could not be used (listed in the rejects table)
     * @param classCounts rows per class index, or null when unlabeled
     */
    public record SplitSummary(Long read, long rows, long rejected, long[] classCounts) {
        public SplitSummary {
            classCounts = classCounts == null ? null : classCounts.clone();
        }

        /** Input rows: as recorded, else the written and rejected ones. */
        public long inputRows() {
            return read != null ? read : rows + rejected;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof SplitSummary s && java.util.Objects.equals(s.read, read) && s.rows == rows
                && s.rejected == rejected && java.util.Arrays.equals(s.classCounts, classCounts);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(read, rows, rejected, java.util.Arrays.hashCode(classCounts));
        }

        @Override
        public String toString() {
            return "SplitSummary[read=" + read + ", rows=" + rows + ", rejected=" + rejected + ", classCounts="
                + java.util.Arrays.toString(classCounts) + "]";
        }
    }

    public DatasetMetadata {
        if (!FORMAT.equals(format)) {
            throw new IllegalArgumentException("dataset format is '" + format + "', expected '" + FORMAT + "'");
        }
        if (version != VERSION) {
            throw new IllegalArgumentException("dataset format version " + version + " is not supported (expected "
                + VERSION + ")");
        }
        if (height <= 0 || width <= 0 || (channels != 1 && channels != 3)) {
            throw new IllegalArgumentException("dataset image shape must be positive with 1 or 3 channels, got "
                + channels + "x" + height + "x" + width);
        }
        if (normalization == null) {
            throw new IllegalArgumentException("dataset metadata has no normalization");
        }
        if (normalization.standardized() && normalization.mean().length != channels) {
            throw new IllegalArgumentException("normalization has statistics for " + normalization.mean().length
                + " channels but the images have " + channels);
        }
        encoding = encoding == null ? FeatureEncoding.float32 : encoding;
        classNames = classNames == null ? null : List.copyOf(classNames);
        splits = splits == null ? Map.of() : inSplitOrder(splits);
        source = source == null ? Map.of() : new TreeMap<>(source);
    }

    /** train, validation, test first, in that order; any other split after them by name. */
    private static Map<String, SplitSummary> inSplitOrder(Map<String, SplitSummary> splits) {
        Map<String, SplitSummary> ordered = new java.util.LinkedHashMap<>();
        for (String s : DatasetSchema.SPLITS) {
            if (splits.containsKey(s)) {
                ordered.put(s, splits.get(s));
            }
        }
        new TreeMap<>(splits).forEach(ordered::putIfAbsent);
        return java.util.Collections.unmodifiableMap(ordered);
    }

    /** Values per image: channels x height x width. */
    public int featureLength() {
        return channels * height * width;
    }

    public boolean labeled() {
        return classNames != null;
    }

    public int numClasses() {
        return classNames == null ? 0 : classNames.size();
    }

    /** "CxHxW", for messages. */
    public String shapeString() {
        return channels + "x" + height + "x" + width;
    }

    public DatasetMetadata withSplits(Map<String, SplitSummary> newSplits) {
        return new DatasetMetadata(format, version, name, height, width, channels, classNames, normalization,
            encoding, newSplits, source);
    }

    public DatasetMetadata withEncoding(FeatureEncoding newEncoding) {
        return new DatasetMetadata(format, version, name, height, width, channels, classNames, normalization,
            newEncoding, splits, source);
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write dataset metadata as JSON", e);
        }
    }

    /**
     * Parses dataset metadata.
     *
     * @param origin where the text came from, for the error message
     */
    public static DatasetMetadata fromJson(String json, String origin) {
        try {
            return JSON.readValue(json, DatasetMetadata.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(origin + ": not valid spark-nn dataset metadata: "
                + e.getOriginalMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(origin + ": " + e.getMessage(), e);
        }
    }
}
