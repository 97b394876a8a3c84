package org.sparknn.nn.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.sparknn.nn.model.Network;
import org.sparknn.nn.spec.ModelSpec;

/**
 * Reading and writing the files of a model directory ({@code spec.json}, {@code weights.bin})
 * through any stream source, so the Spark side can put them on HDFS, S3 or a local disk. A model
 * is the spec with its built network and its parameters, checked against each other.
 */
public record ModelDirectory(ModelSpec spec, Network network, float[] params) {
    public static final String SPEC = "spec.json";
    public static final String WEIGHTS = "weights.bin";

    /** Opens a file of the directory by name. */
    public interface Files {
        InputStream open(String name) throws IOException;

        OutputStream create(String name) throws IOException;
    }

    public ModelDirectory {
        if (params.length != network.paramCount()) {
            throw new IllegalArgumentException("the network has " + network.paramCount() + " parameters but "
                + params.length + " were given");
        }
    }

    public void write(Files files) throws IOException {
        try (OutputStream out = files.create(SPEC)) {
            out.write(spec.toJson().getBytes(StandardCharsets.UTF_8));
        }
        try (OutputStream out = files.create(WEIGHTS)) {
            FloatArrayFile.write(out, FloatArrayFile.WEIGHTS, params);
        }
    }

    /**
     * @param where the directory, for errors
     */
    public static ModelDirectory read(Files files, String where, org.sparknn.nn.linalg.Blas blas) throws IOException {
        ModelSpec spec;
        try (InputStream in = files.open(SPEC)) {
            spec = ModelSpec.fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8), where + "/" + SPEC);
        }
        Network net;
        try {
            net = Network.build(spec, blas);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + "/" + SPEC + ": " + e.getMessage(), e);
        }
        float[] params;
        try (InputStream in = files.open(WEIGHTS)) {
            params = FloatArrayFile.read(in, where + "/" + WEIGHTS, FloatArrayFile.WEIGHTS, net.paramCount());
        }
        return new ModelDirectory(spec, net, params);
    }
}
