package org.sparknn.spark.input;

import java.io.Serializable;
import org.sparknn.dataset.DatasetSchema;

/**
 * Which columns of a DataFrame hold a row's id, label and features.
 *
 * @param id            the id column naming rows in errors; null, or absent when not strict, for none
 *                      (rows are then named by their position in their partition)
 * @param label         the class index column; null for none
 * @param features      the features column
 * @param strict        the dataset contract's types (string id, int label, array&lt;float&gt; or binary
 *                      features), as data-prep writes them; otherwise any numeric label that holds
 *                      whole numbers, and features as a Spark ML vector or an array of numbers
 * @param labelRequired whether a missing label column is an error
 * @param weight        the column of example weights (any number, read as a double); null for none
 */
public record ImageColumns(String id, String label, String features, boolean strict, boolean labelRequired,
                           String weight) implements Serializable {
    /** A split of a spark-nn dataset: labeled or not. */
    public static final ImageColumns DATASET = new ImageColumns(DatasetSchema.ID, DatasetSchema.LABEL,
        DatasetSchema.FEATURES, true, false);

    public ImageColumns(String id, String label, String features, boolean strict, boolean labelRequired) {
        this(id, label, features, strict, labelRequired, null);
    }

    /** These columns with the label column required. */
    public ImageColumns labeled() {
        return new ImageColumns(id, label, features, strict, true, weight);
    }

    /** These columns with example weights in the column {@code column} (null or empty: none). */
    public ImageColumns weighted(String column) {
        return new ImageColumns(id, label, features, strict, labelRequired,
            column == null || column.isEmpty() ? null : column);
    }

    /** The label and features columns of a Spark ML estimator, and an optional id column. */
    public static ImageColumns ml(String label, String features, String id) {
        return new ImageColumns(id, label, features, false, true);
    }
}
