/**
 * Data-parallel training: the training run that TrainJob and the estimator assemble alike, packed
 * blocks of the training data (one block builder), one step as one Spark job whose per-partition
 * gradients are summed in a fixed tree order, the configuration and its builder, run state, early
 * stopping, per-epoch metrics and checkpoints.
 */
package org.sparknn.spark.train;
