/** Executor-side state: the built network and workspaces each executor reuses across tasks, and the weights shipped to a step's tasks. */
package org.sparknn.spark.task;
