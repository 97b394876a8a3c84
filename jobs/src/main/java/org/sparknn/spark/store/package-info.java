/** Model directories on any Hadoop file system: the model, training.json, metrics.csv and the build it came from. */
package org.sparknn.spark.store;
