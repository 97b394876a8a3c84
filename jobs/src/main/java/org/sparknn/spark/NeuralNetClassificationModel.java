package org.sparknn.spark;

import org.apache.spark.ml.util.MLReader;

/**
 * The model's name before the Spark layer was split into packages, kept so that models and
 * pipelines saved then still load: Spark ML finds a saved stage's reader through the class name
 * its metadata records, and this one reads them as
 * {@link org.sparknn.spark.ml.NeuralNetClassificationModel}, which they are.
 *
 * @deprecated use {@link org.sparknn.spark.ml.NeuralNetClassificationModel}
 */
@Deprecated
public final class NeuralNetClassificationModel {
    private NeuralNetClassificationModel() {
    }

    public static MLReader<org.sparknn.spark.ml.NeuralNetClassificationModel> read() {
        return org.sparknn.spark.ml.NeuralNetClassificationModel.read();
    }

    public static org.sparknn.spark.ml.NeuralNetClassificationModel load(String path) {
        return read().load(path);
    }
}
