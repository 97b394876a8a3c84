/**
 * The Spark layer: the Spark ML estimator and model, data-parallel training (blocks, steps,
 * gradient sum, checkpoints), executor-side state, reading datasets, scoring, evaluation and model
 * storage.
 */
package org.sparknn.spark;
