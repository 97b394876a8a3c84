package org.sparknn.interop;

import java.util.ArrayList;
import java.util.List;
import org.sparknn.nn.io.ModelDirectory;
import org.sparknn.nn.linalg.Blas;
import org.sparknn.nn.model.Network;
import org.sparknn.nn.spec.ModelSpec;
import org.sparknn.nn.spec.NetworkSpec;
import org.sparknn.nn.spec.Normalization;

/**
 * A model read from another format: the network in the engine's layouts and its parameters, and
 * what the file said of its classes and its input's normalization (null when it said nothing).
 *
 * @param softmaxAppended whether the source ended in raw scores and a softmax was appended
 */
public record Imported(NetworkSpec network, float[] params, List<String> classNames, Normalization normalization,
                       boolean softmaxAppended) {
    /** The name of the softmax layer appended to a model that ends in raw scores. */
    public static final String APPENDED_SOFTMAX = "appended_softmax";

    /**
     * The model directory, with class names and normalization from the file unless given.
     *
     * @param source        the file, for errors
     * @param classNames    the class names to use, or null for the file's (else "0", "1", ...)
     * @param normalization the normalization of the model's inputs, for a file that does not have one;
     *                      null for the file's
     * @throws IllegalArgumentException when the class count differs from the network's outputs, or the
     *                                  normalization is known from neither
     */
    public ModelDirectory toModel(String source, List<String> classNames, Normalization normalization) {
        Network net = Network.build(network, Blas.get());
        List<String> names = classNames != null ? classNames : this.classNames;
        if (names == null) {
            names = new ArrayList<>();
            for (int i = 0; i < net.outputSize(); i++) {
                names.add(Integer.toString(i));
            }
        }
        if (names.size() != net.outputSize()) {
            throw new IllegalArgumentException(source + ": the model has " + net.outputSize() + " outputs but "
                + names.size() + " class names were given (" + names + ")");
        }
        if (normalization != null && this.normalization != null && !normalization.equals(this.normalization)) {
            throw new IllegalArgumentException(source + ": the model normalizes its input itself (" + this.normalization
                + "), but the normalization given is " + normalization + "; leave it out");
        }
        Normalization norm = normalization != null ? normalization : this.normalization;
        if (norm == null) {
            throw new IllegalArgumentException(source + ": the model does not say how its inputs were normalized (no"
                + " scaling or standardization at its input); give it with --normalization or --dataset");
        }
        if (norm.standardized() && norm.mean().length != network.input().channels()) {
            throw new IllegalArgumentException(source + ": the normalization has statistics for " + norm.mean().length
                + " channel(s) but the model's input " + network.input() + " has " + network.input().channels());
        }
        return new ModelDirectory(ModelSpec.of(network, names, norm), net, params);
    }
}
