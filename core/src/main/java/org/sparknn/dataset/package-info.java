/**
 * The dataset contract every module reads and data-prep writes: the Parquet schema of a split,
 * dataset.json (shape, classes, normalization, encoding, row counts), the uint8 and float32
 * feature encodings with their lookup table, and per-channel statistics.
 */
package org.sparknn.dataset;
