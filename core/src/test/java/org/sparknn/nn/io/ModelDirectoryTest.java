package org.sparknn.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sparknn.nn.layer.Shape;
import org.sparknn.nn.linalg.Blas;
import org.sparknn.nn.model.Network;
import org.sparknn.nn.spec.ModelSpec;
import org.sparknn.nn.spec.NetworkSpec;
import org.sparknn.nn.spec.Normalization;

class ModelDirectoryTest {
    /** A model directory in memory. */
    static final class MemoryFiles implements ModelDirectory.Files {
        final Map<String, byte[]> files = new HashMap<>();

        @Override
        public InputStream open(String name) throws IOException {
            byte[] b = files.get(name);
            if (b == null) {
                throw new java.io.FileNotFoundException(name);
            }
            return new ByteArrayInputStream(b);
        }

        @Override
        public OutputStream create(String name) {
            return new ByteArrayOutputStream() {
                @Override
                public void close() {
                    files.put(name, toByteArray());
                }
            };
        }
    }

    private static ModelDirectory model(String preset) {
        NetworkSpec spec = NetworkSpec.preset(preset, new Shape(1, 8, 8), 3);
        Network net = Network.build(spec);
        return new ModelDirectory(ModelSpec.of(spec, List.of("a", "b", "c"),
            new Normalization(1 / 255.0, new double[] {0.13}, new double[] {0.31})), net, net.initialParams(4));
    }

    @Test
    void writesAndReadsBack() throws IOException {
        MemoryFiles files = new MemoryFiles();
        ModelDirectory m = model("mlp2");
        m.write(files);
        ModelDirectory back = ModelDirectory.read(files, "models/m", Blas.get());
        assertEquals(m.spec(), back.spec());
        assertArrayEquals(m.params(), back.params());
        assertTrue(new String(files.files.get("spec.json"), StandardCharsets.UTF_8).contains("\"classNames\""));
    }

    @Test
    void weightsOfAnotherSpecAreRejected() throws IOException {
        MemoryFiles files = new MemoryFiles();
        model("mlp").write(files);
        MemoryFiles other = new MemoryFiles();
        model("mlp2").write(other);
        files.files.put("weights.bin", other.files.get("weights.bin"));
        IOException e = assertThrows(IOException.class, () -> ModelDirectory.read(files, "models/m", Blas.get()));
        assertEquals("models/m/weights.bin: holds " + model("mlp2").params().length + " values but "
            + model("mlp").params().length + " are expected (does it belong to another network spec?)", e.getMessage());
    }

    @Test
    void specWhoseOutputDisagreesWithTheClassesIsRejected() {
        NetworkSpec spec = NetworkSpec.preset("mlp", new Shape(1, 8, 8), 4);
        ModelSpec bad = ModelSpec.of(spec, List.of("a", "b", "c"), Normalization.scaleOnly(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Network.build(bad, Blas.get()));
        assertEquals("the network's last layer has 4 outputs but the model has 3 classes", e.getMessage());
        IllegalArgumentException v = assertThrows(IllegalArgumentException.class, () -> ModelSpec.fromJson(
            bad.toJson().replace("\"version\" : 1", "\"version\" : 7"), "m/spec.json"));
        assertTrue(v.getMessage().startsWith("m/spec.json: not a valid spark-nn model spec: "), v.getMessage());
        assertTrue(v.getMessage().contains("model format version 7 is not supported"), v.getMessage());
    }
}
