package org.sparknn.spark.input;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.bitset.BitSetMethods;
import org.sparknn.dataset.DatasetSchema;

/**
 * Rows of the dataset contract (id string, label int or null, features array&lt;float&gt; or
 * binary) read straight from Spark's internal rows. A bean encoder would box every feature value: data-prep's
 * Parquet stores the array elements as nullable, and Spark then deserializes element by element
 * through {@code Float.valueOf}, a large share of a scoring task's time. Here the
 * features stay Spark's array until {@link ImageCursor} copies them; a null element is an error
 * naming the row.
 */
final class ImageRows {
    private ImageRows() {
    }

    /**
     * The {@code id}, {@code label} (a null literal when {@code df} has none) and {@code features}
     * columns of {@code df}, checked for their types.
     */
    static Dataset<Row> select(Dataset<Row> df) {
        StructType schema = df.schema();
        List<String> names = Arrays.asList(schema.fieldNames());
        for (String c : new String[] {DatasetSchema.ID, DatasetSchema.FEATURES}) {
            if (!names.contains(c)) {
                throw new IllegalArgumentException("no column '" + c + "' in the input; columns are " + names);
            }
        }
        DataType features = schema.apply(DatasetSchema.FEATURES).dataType();
        if (!(features instanceof ArrayType a && a.elementType().equals(DataTypes.FloatType))
                && !features.equals(DataTypes.BinaryType)) {
            throw new IllegalArgumentException("features column '" + DatasetSchema.FEATURES + "' is "
                + features.simpleString() + ", expected array<float> (or binary 8-bit pixels of a spark-nn dataset)");
        }
        boolean labeled = names.contains(DatasetSchema.LABEL);
        if (labeled && !schema.apply(DatasetSchema.LABEL).dataType().equals(DataTypes.IntegerType)) {
            throw new IllegalArgumentException("label column '" + DatasetSchema.LABEL + "' is "
                + schema.apply(DatasetSchema.LABEL).dataType().simpleString() + ", expected int");
        }
        return df.select(col(DatasetSchema.ID),
            labeled ? col(DatasetSchema.LABEL) : lit(null).cast(DataTypes.IntegerType).as(DatasetSchema.LABEL),
            col(DatasetSchema.FEATURES));
    }

    /** The id of an internal row of {@link #select}'s layout. */
    static String id(InternalRow r) {
        return r.isNullAt(0) ? null : r.getUTF8String(0).toString();
    }

    /** The label of an internal row of {@link #select}'s layout, or null. */
    static Integer label(InternalRow r) {
        return r.isNullAt(1) ? null : r.getInt(1);
    }

    /**
     * The 8-bit pixels of an internal row of {@link #select}'s layout with binary features, or null.
     * The array is Spark's: it must not be changed.
     */
    static byte[] pixels(InternalRow r) {
        return r.isNullAt(2) ? null : r.getBinary(2);
    }

    /**
     * The features of an internal row of {@link #select}'s layout, checked to hold no null value;
     * null when the column is null. The array is Spark's and valid until the row moves on.
     */
    static ArrayData features(InternalRow r) {
        if (r.isNullAt(2)) {
            return null;
        }
        ArrayData a = r.getArray(2);
        int n = a.numElements();
        // an UnsafeArrayData holds its null bits as words after its 8-byte length: test them a word
        // at a time (13 words for 784 values) instead of bit by bit
        boolean anyNull = !(a instanceof UnsafeArrayData u)
            || BitSetMethods.anySet(u.getBaseObject(), u.getBaseOffset() + 8, (n + 63) / 64);
        if (anyNull) {
            for (int i = 0; i < n; i++) {
                if (a.isNullAt(i)) {
                    throw new IllegalArgumentException("row '" + id(r) + "': feature value " + i + " is null");
                }
            }
        }
        return a;
    }
}
