/** The HTML report of a model: training curves, test metrics, confusion matrix and the most confident mistakes. */
package org.sparknn.report;
