package org.sparknn.spark.input;

import java.io.Serializable;

/**
 * A row to score: an id, an optional label and the features. Datasets of these are typed views
 * of the input ({@link DatasetInput}); scoring and training read the features through
 * {@link ImageCursor} instead, because the bean encoder boxes every feature value. Only a few rows
 * are collected as beans (the report's misclassified images).
 */
public final class ImageRow implements Serializable {
    private String id;
    private Integer label;
    private float[] features;

    public String getId() {
        return id;
    }

    public void setId(String id) {
        this.id = id;
    }

    public Integer getLabel() {
        return label;
    }

    public void setLabel(Integer label) {
        this.label = label;
    }

    public float[] getFeatures() {
        return features;
    }

    public void setFeatures(float[] features) {
        this.features = features;
    }
}
