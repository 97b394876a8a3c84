/**
 * Reading rows: the one projection of a DataFrame to (id, label, features) for dataset splits and
 * Spark ML columns alike, cursors over Spark's column vectors and internal rows that copy features
 * (floats, 8-bit pixels, Spark ML vectors) without boxing, and the transform from a dataset's
 * normalization to a model's.
 */
package org.sparknn.spark.input;
