package org.sparknn.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import onnx.Onnx.AttributeProto;
import onnx.Onnx.GraphProto;
import onnx.Onnx.ModelProto;
import onnx.Onnx.NodeProto;
import org.junit.jupiter.api.Test;
import org.sparknn.nn.io.ModelDirectory;
import org.sparknn.nn.layer.Shape;
import org.sparknn.nn.linalg.Blas;
import org.sparknn.nn.model.Network;
import org.sparknn.nn.spec.LayerSpec;
import org.sparknn.nn.spec.ModelSpec;
import org.sparknn.nn.spec.NetworkSpec;
import org.sparknn.nn.spec.Normalization;

/** ONNX export and import within spark-nn: layouts, normalization, and the errors for what is not supported. */
class InteropTest {
    static final List<String> CLASSES = List.of("a", "b", "c");

    static ModelDirectory model(NetworkSpec spec, Normalization norm, long seed) {
        Network net = Network.build(spec, Blas.get());
        float[] p = net.initialParams(seed);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < p.length; i++) {
            p[i] += (float) (r.nextDouble() - 0.5) * 0.1f; // biases too
        }
        return new ModelDirectory(ModelSpec.of(spec, CLASSES, norm), net, p);
    }

    static float[] forward(ModelDirectory m, float[] raw, int batch) {
        Network net = m.network();
        Network.Workspace ws = net.workspace(batch);
        float[] x = raw.clone();
        int per = net.inputSize();
        for (int b = 0; b < batch; b++) {
            float[] one = java.util.Arrays.copyOfRange(x, b * per, (b + 1) * per);
            m.spec().normalization().applyInPlace(one, net.inputShape().channels());
            System.arraycopy(one, 0, ws.input(), b * per, per);
        }
        float[] out = net.forward(m.params(), ws, batch).clone();
        if (!net.endsWithSoftmax()) {
            int k = net.outputSize();
            for (int b = 0; b < batch; b++) {
                double max = Double.NEGATIVE_INFINITY;
                double sum = 0;
                for (int c = 0; c < k; c++) {
                    max = Math.max(max, out[b * k + c]);
                }
                for (int c = 0; c < k; c++) {
                    sum += Math.exp(out[b * k + c] - max);
                }
                for (int c = 0; c < k; c++) {
                    out[b * k + c] = (float) (Math.exp(out[b * k + c] - max) / sum);
                }
            }
        }
        return java.util.Arrays.copyOf(out, batch * net.outputSize());
    }

    static float[] pixels(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = r.nextInt(256);
        }
        return x;
    }

    @Test
    void everyPresetAndLayerOptionSurvivesExportAndImport() {
        Shape rgb = new Shape(3, 22, 24);
        Normalization std = new Normalization(1 / 255.0, new double[] {0.5, 0.4, 0.3}, new double[] {0.25, 0.2, 0.3});
        List<NetworkSpec> specs = new java.util.ArrayList<>();
        for (String preset : NetworkSpec.PRESETS) {
            specs.add(NetworkSpec.preset(preset, rgb, 3));
        }
        // same padding with a stride, overlapping pools, sigmoid and tanh, logits at the end
        specs.add(new NetworkSpec(rgb, List.of(LayerSpec.conv2d(4, 3, 2, "same", "tanh"), LayerSpec.maxPool(3, 1),
            LayerSpec.conv2d(5, 2, 1, "same", "relu"), LayerSpec.flatten(), LayerSpec.dense(6, "sigmoid"),
            LayerSpec.dropout(0.3), LayerSpec.dense(3, null))));
        for (NetworkSpec spec : specs) {
            for (Normalization norm : List.of(Normalization.scaleOnly(1 / 255.0), std)) {
                ModelDirectory m = model(spec, norm, 5);
                ModelProto onnx = OnnxExport.export(m, "model", "test", "0.1.0+test");
                Imported back = OnnxImport.read(onnx.toByteArray(), "test.onnx", null);
                assertArrayEquals(m.params(), back.params(), "parameters of " + spec);
                assertEquals(CLASSES, back.classNames());
                ModelDirectory again = back.toModel("test.onnx", null, null);
                assertEquals(norm.standardized(), again.spec().normalization().standardized(), spec + " " + norm + " came back as " + again.spec().normalization());
                float[] raw = pixels(4 * rgb.size(), 9);
                float[] expected = forward(m, raw, 4);
                float[] actual = forward(again, raw, 4);
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(expected[i], actual[i], 1e-5, spec + " " + norm + " output " + i);
                }
                // the exported graph always ends in the softmax that gives its probabilities
                assertFalse(back.softmaxAppended());
                assertTrue(again.network().endsWithSoftmax());
            }
        }
    }

    static ModelProto exported() {
        return OnnxExport.export(model(NetworkSpec.preset("cnn3", new Shape(1, 28, 28), 3), Normalization.scaleOnly(
            1 / 255.0), 3), "m", "t", "v");
    }

    /** The exported graph with node {@code name} changed. */
    static byte[] withNode(ModelProto m, String name, java.util.function.UnaryOperator<NodeProto> change) {
        GraphProto.Builder g = m.getGraph().toBuilder();
        boolean found = false;
        for (int i = 0; i < g.getNodeCount(); i++) {
            if (g.getNode(i).getName().equals(name)) {
                g.setNode(i, change.apply(g.getNode(i)));
                found = true;
            }
        }
        assertTrue(found, name);
        return m.toBuilder().setGraph(g).build().toByteArray();
    }

    @Test
    void unsupportedOnnxIsRefusedNamingTheNode() {
        ModelProto m = exported();
        List<String> nodes = m.getGraph().getNodeList().stream().map(NodeProto::getName).toList();
        String act = nodes.stream().filter(n -> n.endsWith("_relu")).findFirst().orElseThrow();
        var e = assertThrows(IllegalArgumentException.class, () -> OnnxImport.read(
            withNode(m, act, n -> n.toBuilder().setOpType("LeakyRelu").build()), "x.onnx", null));
        assertTrue(e.getMessage().contains("node '" + act + "' (LeakyRelu)") && e.getMessage().contains("Supported: Gemm"),
            e.getMessage());

        String conv = nodes.stream().filter(n -> n.startsWith("conv2d")).findFirst().orElseThrow();
        e = assertThrows(IllegalArgumentException.class, () -> OnnxImport.read(withNode(m, conv, n -> {
            NodeProto.Builder b = n.toBuilder();
            for (int i = 0; i < b.getAttributeCount(); i++) {
                if (b.getAttribute(i).getName().equals("pads")) {
                    b.setAttribute(i, AttributeProto.newBuilder().setName("pads").setType(AttributeProto.AttributeType.INTS)
                        .addAllInts(List.of(0L, 1L, 1L, 0L)));
                }
            }
            return b.build();
        }), "x.onnx", null));
        assertTrue(e.getMessage().contains("node '" + conv + "' (Conv) has pads [0, 1, 1, 0]"), e.getMessage());

        String pool = nodes.stream().filter(n -> n.startsWith("maxpool2d")).findFirst().orElseThrow();
        e = assertThrows(IllegalArgumentException.class, () -> OnnxImport.read(withNode(m, pool, n -> n.toBuilder()
            .addAttribute(AttributeProto.newBuilder().setName("pads").setType(AttributeProto.AttributeType.INTS)
                .addAllInts(List.of(1L, 1L, 1L, 1L))).build()), "x.onnx", null));
        assertTrue(e.getMessage().contains("(MaxPool) pads its input"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> OnnxImport.read(new byte[] {1, 2, 3}, "bad.onnx", null));
        assertTrue(e.getMessage().startsWith("bad.onnx: not an ONNX model"), e.getMessage());
    }

    @Test
    void inputScalingBecomesTheNormalizationAndAConflictingOneIsRefused() {
        ModelDirectory m = model(NetworkSpec.preset("mlp", new Shape(2, 4, 4), 3), new Normalization(1 / 255.0,
            new double[] {0.2, 0.6}, new double[] {0.5, 0.25}), 1);
        Imported back = OnnxImport.read(OnnxExport.export(m, "m", "t", "v").toByteArray(), "m.onnx", null);
        Normalization n = back.normalization();
        // (raw / 255 - mean) / std for each channel, whatever the form it comes back in
        for (int c = 0; c < 2; c++) {
            double raw = 200;
            double expected = (raw / 255.0 - m.spec().normalization().mean()[c]) / m.spec().normalization().std()[c];
            double actual = (raw * n.scale() - n.mean()[c]) / n.std()[c];
            assertEquals(expected, actual, 1e-5, "channel " + c);
        }
        var e = assertThrows(IllegalArgumentException.class, () -> back.toModel("m.onnx", null,
            Normalization.scaleOnly(1 / 255.0)));
        assertTrue(e.getMessage().contains("normalizes its input itself"), e.getMessage());
        assertFalse(back.softmaxAppended());
    }
}
