package org.sparknn.spark;

/**
 * The estimator's name before the Spark layer was split into packages, kept so that estimators and
 * pipelines saved then still load: Spark ML creates a saved estimator from the class name its
 * metadata records (and reads it with the {@code read()} it inherits). It is
 * {@link org.sparknn.spark.ml.NeuralNetClassifier} in all but name.
 *
 * @deprecated use {@link org.sparknn.spark.ml.NeuralNetClassifier}
 */
@Deprecated
public class NeuralNetClassifier extends org.sparknn.spark.ml.NeuralNetClassifier {
    public NeuralNetClassifier() {
        super();
    }

    public NeuralNetClassifier(String uid) {
        super(uid);
    }
}
