/** Scoring datasets in batches of rows, evaluation metrics, and the mistakes the report shows. */
package org.sparknn.spark.score;
