package org.sparknn.spark;

import java.io.Serializable;

/**
 * A row to score: an id, an optional label and the features. Scoring builds these from Spark's
 * internal rows ({@link ImageRows}); a bean encoder over them would box every feature value.
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
