/**
 * The neural-network engine, pure Java (no Spark, Scala or Hadoop): layers with forward and
 * backward passes over flat parameter buffers, native BLAS kernels, losses, optimizers, the
 * network and model specs, model files and the per-partition training step. Its subpackages use
 * nothing of the project outside {@code org.sparknn.nn}.
 */
package org.sparknn.nn;
