package org.sparknn.nn.layer;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * The shape of one example's activations: channels x height x width. Dense activations are
 * {@code (n, 1, 1)}.
 */
public record Shape(int channels, int height, int width) {
    public Shape {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("shape dimensions must be positive, got " + channels + "x" + height + "x" + width);
        }
    }

    public static Shape flat(int n) {
        return new Shape(n, 1, 1);
    }

    public int size() {
        return channels * height * width;
    }

    @JsonIgnore
    public boolean isFlat() {
        return height == 1 && width == 1;
    }

    @Override
    public String toString() {
        return isFlat() ? "(" + channels + ")" : "(" + channels + ", " + height + ", " + width + ")";
    }
}
