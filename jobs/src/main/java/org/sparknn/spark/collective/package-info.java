/**
 * Collectives of gang-scheduled training tasks: the exchange every executor JVM holds (tasks in
 * one JVM pass arrays through memory; across JVMs they use Spark's network transport with the
 * application's security settings), and the all-reduce that sums the tasks' gradients along the
 * fixed tree the job-per-step mode sums them along, so both modes compute the same bits.
 */
package org.sparknn.spark.collective;
