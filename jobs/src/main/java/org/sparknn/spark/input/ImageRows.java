package org.sparknn.spark.input;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.IntegralType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.bitset.BitSetMethods;
import org.sparknn.dataset.DatasetSchema;

/**
 * The one projection of a DataFrame to the rows every reader takes: {@code id} (string or null),
 * {@code label} (int, double, or null) and {@code features} (array&lt;float&gt;, 8-bit pixels as
 * binary, or a Spark ML vector), read straight from Spark's internal rows. A bean encoder would box
 * every feature value: data-prep's Parquet stores the array elements as nullable, and Spark then
 * deserializes element by element through {@code Float.valueOf}. Here the features stay Spark's
 * array until {@link ImageCursor} copies them; a null element is an error naming the row.
 */
final class ImageRows {
    /** Column positions in {@link #select}'s layout. */
    static final int ID = 0;
    static final int LABEL = 1;
    static final int FEATURES = 2;
    /** Present only when the columns name a weight column. */
    static final int WEIGHT = 3;
    /** The name of {@link #WEIGHT}'s column in {@link #select}'s layout. */
    static final String WEIGHT_COLUMN = "weight";

    private ImageRows() {
    }

    /** How a row's features are stored. */
    enum Kind {
        /** array&lt;float&gt; */
        FLOATS,
        /** binary: 8-bit pixels of a spark-nn dataset */
        PIXELS,
        /** a Spark ML vector (its internal struct: type, size, indices, values) */
        VECTOR;

        static Kind of(DataType t) {
            return t instanceof VectorUDT ? VECTOR : t.equals(DataTypes.BinaryType) ? PIXELS : FLOATS;
        }
    }

    /**
     * The {@code id}, {@code label} (a null literal when {@code df} has none) and {@code features}
     * columns of a DataFrame in the dataset contract, checked for their types.
     */
    static Dataset<Row> select(Dataset<Row> df) {
        return select(df, ImageColumns.DATASET);
    }

    /**
     * The columns {@code c} names, in the layout {@link #ID}, {@link #LABEL}, {@link #FEATURES} (and
     * {@link #WEIGHT}, as a double, when {@code c} names a weight column), checked for their types.
     */
    static Dataset<Row> select(Dataset<Row> df, ImageColumns c) {
        StructType schema = df.schema();
        List<String> names = Arrays.asList(schema.fieldNames());
        for (String name : c.strict() ? new String[] {c.id(), c.features()} : new String[] {c.features()}) {
            if (!names.contains(name)) {
                throw new IllegalArgumentException("no column '" + name + "' in the input; columns are " + names);
            }
        }
        boolean labeled = c.label() != null && names.contains(c.label());
        if (c.labelRequired() && !labeled) {
            throw new IllegalArgumentException("no column '" + c.label() + "' in the input; columns are " + names);
        }
        Column features = features(schema.apply(c.features()).dataType(), c);
        Column label = labeled ? label(schema.apply(c.label()).dataType(), c)
            : lit(null).cast(DataTypes.IntegerType);
        Column id = c.id() == null || !names.contains(c.id()) ? lit(null).cast(DataTypes.StringType)
            : schema.apply(c.id()).dataType().equals(DataTypes.StringType) ? col(c.id())
            : col(c.id()).cast(DataTypes.StringType);
        if (c.strict() && !schema.apply(c.id()).dataType().equals(DataTypes.StringType)) {
            throw new IllegalArgumentException("id column '" + c.id() + "' is " + schema.apply(c.id()).dataType().simpleString()
                + ", expected string");
        }
        if (c.weight() == null) {
            return df.select(id.as(DatasetSchema.ID), label.as(DatasetSchema.LABEL), features.as(DatasetSchema.FEATURES));
        }
        if (!names.contains(c.weight())) {
            throw new IllegalArgumentException("no weight column '" + c.weight() + "' in the input; columns are " + names);
        }
        DataType weightType = schema.apply(c.weight()).dataType();
        if (!(weightType instanceof NumericType)) {
            throw new IllegalArgumentException("weight column '" + c.weight() + "' is " + weightType.simpleString()
                + ", expected a number");
        }
        return df.select(id.as(DatasetSchema.ID), label.as(DatasetSchema.LABEL), features.as(DatasetSchema.FEATURES),
            col(c.weight()).cast(DataTypes.DoubleType).as(WEIGHT_COLUMN));
    }

    private static Column features(DataType t, ImageColumns c) {
        if (t instanceof ArrayType a && a.elementType().equals(DataTypes.FloatType) || t.equals(DataTypes.BinaryType)) {
            return col(c.features());
        }
        if (c.strict()) {
            throw new IllegalArgumentException("features column '" + c.features() + "' is " + t.simpleString()
                + ", expected array<float> (or binary 8-bit pixels of a spark-nn dataset)");
        }
        if (t instanceof VectorUDT) {
            return col(c.features());
        }
        if (t instanceof ArrayType a && a.elementType() instanceof NumericType) {
            // Spark's cast narrows each value as Java's (float) does
            return col(c.features()).cast(DataTypes.createArrayType(DataTypes.FloatType, a.containsNull()));
        }
        throw new IllegalArgumentException("features column '" + c.features() + "' is " + t.simpleString()
            + ", expected a Spark ML vector or an array of numbers");
    }

    private static Column label(DataType t, ImageColumns c) {
        if (t.equals(DataTypes.IntegerType)) {
            return col(c.label());
        }
        if (c.strict()) {
            throw new IllegalArgumentException("label column '" + c.label() + "' is " + t.simpleString() + ", expected int");
        }
        if (t instanceof NumericType) {
            // a class index in any numeric type, checked to be whole by the cursor
            return t instanceof IntegralType && !t.equals(DataTypes.LongType) ? col(c.label()).cast(DataTypes.IntegerType)
                : col(c.label()).cast(DataTypes.DoubleType);
        }
        throw new IllegalArgumentException("label column '" + c.label() + "' is " + t.simpleString()
            + ", expected a class index");
    }

    /** The id of an internal row of {@link #select}'s layout. */
    static String id(InternalRow r) {
        return r.isNullAt(ID) ? null : r.getUTF8String(ID).toString();
    }

    /**
     * The features of an array column of an internal row, checked to hold no null value; null when
     * the column is null. The array is Spark's and valid until the row moves on.
     */
    static ArrayData features(InternalRow r, int column, ImageCursor cursor) {
        if (r.isNullAt(column)) {
            return null;
        }
        ArrayData a = r.getArray(column);
        int n = a.numElements();
        // an UnsafeArrayData holds its null bits as words after its 8-byte length: test them a word
        // at a time instead of bit by bit
        boolean anyNull = !(a instanceof UnsafeArrayData u)
            || BitSetMethods.anySet(u.getBaseObject(), u.getBaseOffset() + 8, (n + 63) / 64);
        if (anyNull) {
            for (int i = 0; i < n; i++) {
                if (a.isNullAt(i)) {
                    throw new IllegalArgumentException(cursor.where() + ": feature value " + i + " is null");
                }
            }
        }
        return a;
    }
}
