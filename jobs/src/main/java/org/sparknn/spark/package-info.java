/**
 * The Spark layer, by concept: {@code input} reads datasets, {@code task} is executor-side state,
 * {@code train} is data-parallel training, {@code score} scores and evaluates, {@code store} reads
 * and writes model directories, {@code ml} is the Spark ML API. Here remain only the former names
 * of the Spark ML classes, which load models and pipelines saved under them.
 */
package org.sparknn.spark;
