/**
 * Reading datasets: the contract's splits and raw images as rows, cursors over Spark's internal
 * rows that copy features without boxing, and the transform from a dataset's normalization to a
 * model's.
 */
package org.sparknn.spark.input;
