/** The Spark ML API: the estimator NeuralNetClassifier and the model NeuralNetClassificationModel, readable and writable, usable in pipelines. */
package org.sparknn.spark.ml;
