/**
 * The one scorer: forward passes over a DataFrame's rows, a pass of rows at a time, into ScoreJob's
 * columns or the Spark ML model's; evaluation metrics, and the mistakes the report shows.
 */
package org.sparknn.spark.score;
