/**
 * Ingest: reads IDX files, image folders and Parquet, decodes and checks every row (a row is
 * written or rejected with its reason), carves the validation split, normalizes, and writes a
 * dataset of the contract in {@code org.sparknn.dataset}.
 */
package org.sparknn.dataprep;
