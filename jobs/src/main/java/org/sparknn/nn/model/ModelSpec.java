package org.sparknn.nn.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.List;
import org.sparknn.dataprep.Normalization;

/**
 * A model's {@code spec.json}: the network, the class names its outputs stand for, and the
 * normalization its inputs need (the dataset's, applied unchanged to anything scored).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelSpec(String format, int version, NetworkSpec network, List<String> classNames,
                        Normalization normalization) {
    public static final String FORMAT = "spark-nn-model";
    public static final int VERSION = 1;

    public ModelSpec {
        if (!FORMAT.equals(format)) {
            throw new IllegalArgumentException("model format is '" + format + "', expected '" + FORMAT + "'");
        }
        if (version != VERSION) {
            throw new IllegalArgumentException("model format version " + version + " is not supported (expected " + VERSION + ")");
        }
        if (network == null || classNames == null || normalization == null) {
            throw new IllegalArgumentException("a model spec needs network, classNames and normalization");
        }
        classNames = List.copyOf(classNames);
    }

    public static ModelSpec of(NetworkSpec network, List<String> classNames, Normalization normalization) {
        return new ModelSpec(FORMAT, VERSION, network, classNames, normalization);
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

    /** Builds the network and checks that its output matches the class names. */
    public Network build(org.sparknn.nn.linalg.Blas blas) {
        Network net = Network.build(network, blas);
        if (net.outputSize() != classNames.size()) {
            throw new IllegalArgumentException("the network's last layer has " + net.outputSize()
                + " outputs but the model has " + classNames.size() + " classes");
        }
        return net;
    }
}
