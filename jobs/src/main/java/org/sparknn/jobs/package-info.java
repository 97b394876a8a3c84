/** The job mains: train, score and evaluate, each a thin command over the Spark layer. */
package org.sparknn.jobs;
