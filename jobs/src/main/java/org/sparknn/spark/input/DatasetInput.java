package org.sparknn.spark.input;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.sparknn.dataprep.RawImages;
import org.sparknn.dataset.DatasetMetadata;
import org.sparknn.dataset.DatasetSchema;
import org.sparknn.nn.layer.Shape;
import org.sparknn.nn.spec.ModelSpec;
import org.sparknn.nn.spec.Normalization;

/**
 * One split of a spark-nn dataset as rows for a model, checked against it: the image shape must
 * be the model's and the dataset may not have more classes; features normalized differently from
 * the model's training data are converted.
 *
 * @param frame     id, label (null when unlabeled) and features
 * @param labeled   whether the dataset has labels
 * @param transform what turns the stored features into the model's input
 * @param metadata  the dataset's metadata
 */
public record DatasetInput(Dataset<Row> frame, boolean labeled, InputTransform transform,
                           DatasetMetadata metadata) {

    /**
     * The rows as {@link ImageRow} beans with normalized features, for code that collects them.
     * Scoring reads {@link #frame()}: its reader needs no encoder, and resolving the bean encoder
     * would cost every scoring run planning time.
     */
    public Dataset<ImageRow> rows() {
        return DatasetSchema.normalizedFeatures(frame).as(Encoders.bean(ImageRow.class));
    }

    /**
     * @param modelDir the model's directory, for errors
     * @throws IllegalArgumentException when the shapes or classes disagree, or the model does not
     *                                  know its input's normalization
     */
    public static DatasetInput read(SparkSession spark, String dataset, String split, ModelSpec model, String modelDir) {
        Normalization modelNormalization = model.inputNormalization(modelDir);
        DatasetMetadata meta = DatasetSchema.readMetadata(spark, dataset);
        Shape shape = model.network().input();
        if (meta.channels() != shape.channels() || meta.height() != shape.height() || meta.width() != shape.width()) {
            throw new IllegalArgumentException(dataset + " holds " + RawImages.shape(meta.channels(), meta.height(),
                meta.width()) + " images but the model expects " + RawImages.shape(shape.channels(), shape.height(),
                shape.width()));
        }
        int classes = model.classNames().size();
        if (meta.labeled() && meta.numClasses() > classes) {
            throw new IllegalArgumentException(dataset + " has " + meta.numClasses() + " classes but the model only " + classes);
        }
        Dataset<Row> df = DatasetSchema.readSplit(spark, dataset, split, meta);
        Dataset<Row> selected = meta.labeled()
            ? df.select(col(DatasetSchema.ID), col(DatasetSchema.LABEL), col(DatasetSchema.FEATURES))
            : df.select(col(DatasetSchema.ID), lit(null).cast(DataTypes.IntegerType).as(DatasetSchema.LABEL),
                col(DatasetSchema.FEATURES));
        return new DatasetInput(selected, meta.labeled(),
            InputTransform.between(meta.normalization(), modelNormalization), meta);
    }
}
