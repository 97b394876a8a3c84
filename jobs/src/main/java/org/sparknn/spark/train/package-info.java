/**
 * Data-parallel training: packed blocks of the training data, one step as one Spark job whose
 * per-partition gradients are summed in a fixed tree order, the configuration, run state, early
 * stopping, per-epoch metrics and checkpoints.
 */
package org.sparknn.spark.train;
