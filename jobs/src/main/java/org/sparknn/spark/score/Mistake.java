package org.sparknn.spark.score;

/** A misclassified example, as the report shows it: raw pixel values (0..255, channel-height-width). */
public record Mistake(String id, int label, int prediction, double probability, float[] pixels) {
}
