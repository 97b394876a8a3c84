package org.sparknn.nn.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.List;

/**
 * A model's {@code spec.json}: the network, the class names its outputs stand for, and the
 * normalization its inputs had when it was trained (the dataset's, applied unchanged to raw images
 * scored, and the one that features of other normalizations are converted from).
 *
 * <p>{@code normalization} is null (written as {@code "normalization": null}) for a model fitted
 * through the Spark ML API on features whose normalization is unknown: its features were used as
 * given. Such a model scores features prepared as for fitting (its {@code transform}), and
 * {@link #inputNormalization} refuses it for anything that needs the normalization.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelSpec(String format, int version, NetworkSpec network, List<String> classNames,
                        @JsonInclude(JsonInclude.Include.ALWAYS) Normalization normalization) {
    public static final String FORMAT = "spark-nn-model";
    public static final int VERSION = 1;

    public ModelSpec {
        if (!FORMAT.equals(format)) {
            throw new IllegalArgumentException("model format is '" + format + "', expected '" + FORMAT + "'");
        }
        if (version != VERSION) {
            throw new IllegalArgumentException("model format version " + version + " is not supported (expected " + VERSION + ")");
        }
        if (network == null || classNames == null) {
            throw new IllegalArgumentException("a model spec needs network and classNames");
        }
        classNames = List.copyOf(classNames);
    }

    public static ModelSpec of(NetworkSpec network, List<String> classNames, Normalization normalization) {
        return new ModelSpec(FORMAT, VERSION, network, classNames, normalization);
    }

    /**
     * The normalization the model's inputs had, for turning raw images or a dataset's features into
     * them.
     *
     * @param model the model directory, for the error
     * @throws IllegalArgumentException when it is unknown (features used as given)
     */
    public Normalization inputNormalization(String model) {
        if (normalization == null) {
            throw new IllegalArgumentException(model + ": the model was fitted through the Spark ML API on features of"
                + " unknown normalization (spec.json records \"normalization\": null, features used as given), so the"
                + " input it expects cannot be derived from images or a spark-nn dataset. Fit it on features that carry"
                + " the dataset's metadata (DatasetSchema.mlFeatures(split)), or score it with its transform() on features"
                + " prepared as they were for fitting");
        }
        return normalization;
    }

    public String toJson() {
        try {
            return NetworkSpec.JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the model spec as JSON", e);
        }
    }

    public static ModelSpec fromJson(String json, String origin) {
        try {
            return NetworkSpec.JSON.readValue(json, ModelSpec.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(origin + ": not a valid spark-nn model spec: " + e.getOriginalMessage(), e);
        }
    }
}
