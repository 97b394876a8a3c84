package org.sparknn.nn.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.List;
import org.sparknn.nn.layer.Shape;

/**
 * A network as data: the input shape and the layers, Keras-like, as stored in a model's
 * {@code spec.json}. Shapes of every layer are inferred and checked by {@code Network.build}.
 */
public record NetworkSpec(Shape input, List<LayerSpec> layers) {

    static final ObjectMapper JSON = new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    /** The preset names. */
    public static final List<String> PRESETS = List.of("mlp", "mlp2", "cnn", "cnn3");

    public NetworkSpec {
        if (input == null) {
            throw new IllegalArgumentException("network spec has no input shape");
        }
        if (layers == null || layers.isEmpty()) {
            throw new IllegalArgumentException("network spec has no layers");
        }
        layers = List.copyOf(layers);
    }

    /**
     * A preset reproducing the reference models, for the given input and class count:
     * {@code mlp} (Flatten, Dense 128 relu, Dense softmax), {@code mlp2} (Dense 64 relu twice),
     * {@code cnn} (Conv 32 3x3 relu, MaxPool 2, Dropout 0.25, Flatten, Dense 128 relu, Dropout 0.5,
     * Dense softmax), {@code cnn3} (Conv 32, Pool, Conv 64, Pool, Conv 64, Flatten, Dense 64, Dense softmax).
     */
    public static NetworkSpec preset(String name, Shape input, int classes) {
        List<LayerSpec> l = new ArrayList<>();
        switch (name) {
            case "mlp" -> {
                l.add(LayerSpec.flatten());
                l.add(LayerSpec.dense(128, "relu"));
            }
            case "mlp2" -> {
                l.add(LayerSpec.flatten());
                l.add(LayerSpec.dense(64, "relu"));
                l.add(LayerSpec.dense(64, "relu"));
            }
            case "cnn" -> {
                l.add(LayerSpec.conv2d(32, 3, "relu"));
                l.add(LayerSpec.maxPool(2));
                l.add(LayerSpec.dropout(0.25));
                l.add(LayerSpec.flatten());
                l.add(LayerSpec.dense(128, "relu"));
                l.add(LayerSpec.dropout(0.5));
            }
            case "cnn3" -> {
                l.add(LayerSpec.conv2d(32, 3, "relu"));
                l.add(LayerSpec.maxPool(2));
                l.add(LayerSpec.conv2d(64, 3, "relu"));
                l.add(LayerSpec.maxPool(2));
                l.add(LayerSpec.conv2d(64, 3, "relu"));
                l.add(LayerSpec.flatten());
                l.add(LayerSpec.dense(64, "relu"));
            }
            default -> throw new IllegalArgumentException("unknown preset '" + name + "', expected one of " + PRESETS);
        }
        l.add(LayerSpec.dense(classes, "softmax"));
        return new NetworkSpec(input, l);
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the network spec as JSON", e);
        }
    }

    /** Parses a spec; {@code origin} names the file in errors. Unknown fields are errors. */
    public static NetworkSpec fromJson(String json, String origin) {
        try {
            return JSON.readValue(json, NetworkSpec.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(origin + ": not a valid network spec: " + e.getOriginalMessage(), e);
        }
    }
}
