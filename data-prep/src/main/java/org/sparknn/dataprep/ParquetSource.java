package org.sparknn.dataprep;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * Parquet input: either an image-struct column (the schema of Spark's {@code image} data source)
 * or a features column (array of numbers, or a Spark ML vector) of channels x height x width raw
 * values in channel-height-width order. Labels are class indices (integral numbers) or class names
 * (strings); ids come from an id column or are generated as {@code <name>-<split>-<index>}.
 */
public final class ParquetSource {
    /** Which columns to read. */
    public record Columns(String image, String features, String label, String id) {
        public Columns {
            if ((image == null) == (features == null)) {
                throw new IllegalArgumentException("Parquet input needs exactly one of --image-col and --features-col");
            }
        }
    }

    private final String path;
    private final Dataset<Row> input;
    private final Columns columns;
    private final boolean stringLabels;

    public ParquetSource(SparkSession spark, String path, Columns columns) {
        this.path = path;
        this.input = spark.read().parquet(path);
        this.columns = columns;
        StructType schema = input.schema();
        List<String> names = Arrays.asList(schema.fieldNames());
        String main = columns.image() != null ? columns.image() : columns.features();
        requireColumn(names, main, columns.image() != null ? "--image-col" : "--features-col");
        if (columns.image() != null) {
            DataType t = schema.apply(main).dataType();
            if (!(t instanceof StructType s) || !Arrays.asList(s.fieldNames())
                    .containsAll(List.of("origin", "height", "width", "nChannels", "data"))) {
                throw new IllegalArgumentException(path + ": column '" + main + "' is " + t.simpleString()
                    + ", expected an image struct (origin, height, width, nChannels, mode, data)");
            }
        } else {
            DataType t = schema.apply(main).dataType();
            boolean ok = t instanceof VectorUDT
                || (t instanceof ArrayType a && a.elementType() instanceof NumericType);
            if (!ok) {
                throw new IllegalArgumentException(path + ": column '" + main + "' is " + t.simpleString()
                    + ", expected array<float> (or another numeric array) or a Spark ML vector");
            }
        }
        if (columns.label() != null) {
            requireColumn(names, columns.label(), "--label-col");
            DataType t = schema.apply(columns.label()).dataType();
            if (!(t instanceof NumericType) && t != DataTypes.StringType) {
                throw new IllegalArgumentException(path + ": label column '" + columns.label() + "' is "
                    + t.simpleString() + ", expected class indices (a number) or class names (a string)");
            }
            stringLabels = t == DataTypes.StringType;
        } else {
            stringLabels = false;
        }
        if (columns.id() != null) {
            requireColumn(names, columns.id(), "--id-col");
        }
    }

    private void requireColumn(List<String> names, String column, String option) {
        if (!names.contains(column)) {
            throw new IllegalArgumentException(path + ": no column '" + column + "' (" + option + "); columns are " + names);
        }
    }

    public boolean hasImageColumn() {
        return columns.image() != null;
    }

    public boolean stringLabels() {
        return stringLabels;
    }

    /** The image struct's fields as {@link ImageFolderSource#readImages} returns them. */
    Dataset<Row> images() {
        String c = columns.image();
        return input.select(col(c + ".origin").as("origin"), col(c + ".height").as("height"),
            col(c + ".width").as("width"), col(c + ".nChannels").as("nChannels"), col(c + ".data").as("data"));
    }

    /** The number of values in the first row's features column, or null when there is no such row. */
    Integer firstFeatureLength() {
        String c = columns.features();
        if (input.schema().apply(c).dataType() instanceof VectorUDT) {
            List<Row> first = input.select(col(c)).where(col(c).isNotNull()).limit(1).collectAsList();
            return first.isEmpty() ? null : ((Vector) first.get(0).get(0)).size();
        }
        List<Row> first = input.where(col(c).isNotNull()).select(org.apache.spark.sql.functions.size(col(c))).limit(1)
            .collectAsList();
        return first.isEmpty() ? null : first.get(0).getInt(0);
    }

    /** Distinct string labels, for class names. */
    List<String> distinctLabels() {
        List<String> out = new ArrayList<>();
        for (Row r : input.select(col(columns.label())).distinct().collectAsList()) {
            if (!r.isNullAt(0)) {
                out.add(r.getString(0));
            }
        }
        return out;
    }

    /** Largest integral label, or -1. */
    int maxLabel() {
        Row r = input.agg(org.apache.spark.sql.functions.max(col(columns.label()).cast("double"))).first();
        return r.isNullAt(0) ? -1 : (int) Math.min(Integer.MAX_VALUE, Math.max(-1, Math.floor(r.getDouble(0))));
    }

    /** Rows per integral label 0..max (non-integral and negative labels, rejected as rows, not counted). */
    long[] labelCounts(int max) {
        long[] counts = new long[max + 1];
        org.apache.spark.sql.Column label = col(columns.label()).cast("double");
        for (Row r : input.where(label.geq(0).and(label.leq(max)).and(label.equalTo(org.apache.spark.sql.functions.floor(label))))
                .groupBy(label.cast("int")).count().collectAsList()) {
            counts[r.getInt(0)] += r.getLong(1);
        }
        return counts;
    }

    /**
     * Decodes into {@link DecodedRows#SCHEMA}.
     *
     * @param decoder    used for an image column
     * @param length     expected feature count for a features column
     * @param classNames class names for string labels
     */
    Dataset<Row> load(SparkSession spark, String name, String split, ImageDecoder decoder, int length,
                      List<String> classNames) {
        Dataset<Row> selected = input.select(decodeColumns().toArray(new org.apache.spark.sql.Column[0]));
        RowDecoder rows = rowDecoder(decoder, length, classNames);
        String file = path;
        String idPrefix = name + "-" + (split.isEmpty() ? "" : split + "-");
        JavaRDD<Row> decoded = selected.javaRDD().zipWithIndex().map((Tuple2<Row, Long> t) -> rows.decode(t._1(),
            t._1().isNullAt(0) ? idPrefix + t._2() : t._1().getString(0), file + "#" + t._2()));
        return spark.createDataFrame(decoded, DecodedRows.SCHEMA);
    }

    /** The columns {@link RowDecoder} reads, in its order: id, label, then the image's fields or the features. */
    List<org.apache.spark.sql.Column> decodeColumns() {
        List<org.apache.spark.sql.Column> cols = new ArrayList<>();
        cols.add(columns.id() != null ? col(columns.id()).cast("string") : org.apache.spark.sql.functions.lit(null).cast("string"));
        cols.add(columns.label() != null ? col(columns.label()) : org.apache.spark.sql.functions.lit(null));
        if (columns.image() != null) {
            String c = columns.image();
            cols.add(col(c + ".height"));
            cols.add(col(c + ".width"));
            cols.add(col(c + ".nChannels"));
            cols.add(col(c + ".data"));
        } else {
            cols.add(col(columns.features()));
        }
        return cols;
    }

    /** Decodes rows of {@link #decodeColumns()} into {@link DecodedRows#SCHEMA}. */
    RowDecoder rowDecoder(ImageDecoder decoder, int length, List<String> classNames) {
        return new RowDecoder(columns.image() != null, stringLabels, columns.label() != null,
            classNames == null ? Map.of() : ImageFolderSource.indexOf(classNames), decoder, length);
    }

    /**
     * One row of {@link #decodeColumns()}: decoded, or with its reason. As a map function it reads a
     * stream's rows, which carry the file they came from after those columns and must have an id.
     */
    record RowDecoder(boolean image, boolean strings, boolean labeled, Map<String, Integer> classIndex,
                      ImageDecoder decoder, int length) implements org.apache.spark.api.java.function.MapFunction<Row, Row> {
        @Override
        public Row call(Row r) {
            String file = r.getString(r.length() - 1);
            if (r.isNullAt(0)) {
                return RowFactory.create(file + "#null-id", null, null, file, "id is null");
            }
            return decode(r, r.getString(0), file + "#" + r.getString(0));
        }

        Row decode(Row r, String id, String source) {
            Integer label = null;
            if (labeled) {
                if (r.isNullAt(1)) {
                    return RowFactory.create(id, null, null, source, "label is null");
                }
                if (strings) {
                    label = classIndex.get(r.getString(1));
                    if (label == null) {
                        return RowFactory.create(id, null, null, source, "label '" + r.getString(1)
                            + "' is not one of the classes " + classIndex.keySet().stream().sorted().toList());
                    }
                } else {
                    double v = ((Number) r.get(1)).doubleValue();
                    if (v < 0 || v != Math.rint(v) || v > Integer.MAX_VALUE) {
                        return RowFactory.create(id, null, null, source, "label " + v
                            + " is not a class index (a non-negative integer)");
                    }
                    label = (int) v;
                }
            }
            float[] values = new float[length];
            String reason;
            if (image) {
                reason = r.isNullAt(2)
                    ? "image is null"
                    : decoder.decode(r.getInt(2), r.getInt(3), r.getInt(4), (byte[]) r.get(5), values);
            } else {
                reason = r.isNullAt(2) ? "features are null" : toFloats(r.get(2), values);
            }
            return reason == null
                ? RowFactory.create(id, label, values, source, null)
                : RowFactory.create(id, label, null, source, reason);
        }
    }

    /** Copies an array or vector of numbers into {@code out}; returns why not when it does not fit. */
    static String toFloats(Object value, float[] out) {
        if (value instanceof Vector v) {
            if (v.size() != out.length) {
                return "features have " + v.size() + " values, expected " + out.length;
            }
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) v.apply(i);
            }
            return null;
        }
        List<?> list = value instanceof scala.collection.Seq<?> s
            ? scala.jdk.javaapi.CollectionConverters.asJava(s)
            : (List<?>) value;
        if (list.size() != out.length) {
            return "features have " + list.size() + " values, expected " + out.length;
        }
        for (int i = 0; i < out.length; i++) {
            Object o = list.get(i);
            if (o == null) {
                return "feature " + i + " is null";
            }
            float f = ((Number) o).floatValue();
            if (!Float.isFinite(f)) {
                return "feature " + i + " is " + f + ", expected a finite number";
            }
            out[i] = f;
        }
        return null;
    }
}
