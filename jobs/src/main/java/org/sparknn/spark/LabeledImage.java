package org.sparknn.spark;

import java.io.Serializable;

/**
 * A dataset row as a Java bean, so Spark's encoder copies the features straight into a
 * {@code float[]} instead of boxing every value.
 */
public final class LabeledImage implements Serializable {
    private String id;
    private int label;
    private float[] features;

    public String getId() {
        return id;
    }

    public void setId(String id) {
        this.id = id;
    }

    public int getLabel() {
        return label;
    }

    public void setLabel(int label) {
        this.label = label;
    }

    public float[] getFeatures() {
        return features;
    }

    public void setFeatures(float[] features) {
        this.features = features;
    }
}
