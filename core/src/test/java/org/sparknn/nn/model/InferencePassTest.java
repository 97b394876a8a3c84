package org.sparknn.nn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sparknn.nn.layer.Conv2D;
import org.sparknn.nn.layer.Init;
import org.sparknn.nn.layer.Layer;
import org.sparknn.nn.layer.MaxPool2D;
import org.sparknn.nn.layer.Shape;
import org.sparknn.nn.linalg.Blas;
import org.sparknn.nn.spec.LayerSpec;
import org.sparknn.nn.spec.NetworkSpec;

/**
 * Network.forward skips the layers that pass values through at inference and pools a
 * convolution's output example by example: its outputs and raw scores must be those of every
 * layer's forward pass run one after the other.
 */
class InferencePassTest {
    private static float[] random(int n, SplittableRandom rng) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        return a;
    }

    /** Every layer's inference pass on buffers of its own; returns all activations. */
    private static List<float[]> layerByLayer(Network net, float[] params, float[] input, int batch) {
        List<float[]> act = new ArrayList<>();
        act.add(input);
        for (int i = 0; i < net.layers().size(); i++) {
            Layer l = net.layers().get(i);
            float[] y = new float[batch * l.outputShape().size()];
            l.forward(params, net.paramOffset(i), act.get(i), y, batch, l.scratch(batch), false, 0L);
            act.add(y);
        }
        return act;
    }

    private static void assertSameAsLayerByLayer(NetworkSpec spec, int batch) {
        Network net = Network.build(spec);
        SplittableRandom rng = new SplittableRandom(7);
        float[] params = net.initialParams(11);
        float[] input = random(batch * net.inputSize(), rng);
        List<float[]> ref = layerByLayer(net, params, input, batch);
        Network.Workspace ws = net.workspace(batch + 3);
        System.arraycopy(input, 0, ws.input(), 0, input.length);
        int n = net.layers().size();
        float[] out = net.forward(params, ws, batch);
        assertArrayEquals(ref.get(n), Arrays.copyOf(out, ref.get(n).length), spec.toJson());
        float[] raw = net.rawOutput(ws);
        int scores = net.endsWithSoftmax() ? n - 1 : n;
        assertArrayEquals(ref.get(scores), Arrays.copyOf(raw, ref.get(scores).length), "raw scores of " + spec.toJson());
    }

    @Test
    void presetsGiveTheValuesOfTheirLayersOneAfterAnother() {
        for (String preset : NetworkSpec.PRESETS) {
            assertSameAsLayerByLayer(NetworkSpec.preset(preset, new Shape(1, 28, 28), 10), 5);
        }
        assertSameAsLayerByLayer(NetworkSpec.preset("cnn", new Shape(3, 17, 15), 4), 2);
    }

    @Test
    void layersNextToTheOutputAreNeverSkipped() {
        // dropouts and flattens near the output, a pooling with overlapping windows, and
        // convolutions followed by poolings near the output
        Shape in = new Shape(2, 12, 12);
        assertSameAsLayerByLayer(new NetworkSpec(in, List.of(LayerSpec.conv2d(4, 3, "relu"), LayerSpec.maxPool(3, 2),
            LayerSpec.flatten(), LayerSpec.dense(16, "tanh"), LayerSpec.dropout(0.5), LayerSpec.dense(3, "softmax"))), 4);
        assertSameAsLayerByLayer(new NetworkSpec(in, List.of(LayerSpec.conv2d(3, 3, "linear"), LayerSpec.maxPool(2),
            LayerSpec.flatten(), LayerSpec.dropout(0.1))), 3);
        assertSameAsLayerByLayer(new NetworkSpec(in, List.of(LayerSpec.conv2d(3, 3, "relu"), LayerSpec.maxPool(2),
            LayerSpec.flatten())), 3);
        // the raw scores are the input of the final softmax, right after a dropout
        assertSameAsLayerByLayer(new NetworkSpec(in, List.of(LayerSpec.flatten(), LayerSpec.dense(5, "linear"),
            LayerSpec.dropout(0.5), LayerSpec.activation("softmax"))), 3);
        // a convolution and its pooling as the last two layers
        assertSameAsLayerByLayer(new NetworkSpec(in, List.of(LayerSpec.conv2d(3, 3, "relu"), LayerSpec.maxPool(2))), 2);
    }

    @Test
    void inferencePoolingHasTheValuesOfTheTrainingPass() {
        SplittableRandom rng = new SplittableRandom(3);
        for (int[] window : new int[][] {{2, 2}, {3, 2}, {2, 1}}) {
            MaxPool2D pool = new MaxPool2D("pool", new Shape(3, 9, 8), window[0], window[0], window[1]);
            int batch = 4;
            float[] x = random(batch * pool.inputShape().size(), rng);
            x[5] = x[4]; // a tie
            float[] train = new float[batch * pool.outputShape().size()];
            float[] infer = new float[train.length];
            pool.forward(null, 0, x, train, batch, pool.scratch(batch), true, 0L);
            pool.forward(null, 0, x, infer, batch, pool.scratch(batch), false, 0L);
            assertArrayEquals(train, infer, Arrays.toString(window));
        }
    }

    @Test
    void aPooledConvolutionChecksThePoolsInput() {
        Conv2D conv = new Conv2D("conv", new Shape(1, 8, 8), 2, 3, 3, 1, false, Init.HE_NORMAL, true, Blas.get());
        MaxPool2D other = new MaxPool2D("pool", new Shape(2, 7, 7), 2, 2, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> conv.forwardPooled(new float[conv.paramCount()], 0, new float[64], new float[18], 1, conv.scratch(1), other));
        assertTrue(e.getMessage().contains("(2, 7, 7)") && e.getMessage().contains("(2, 6, 6)"), e.getMessage());
        assertEquals(new Shape(2, 6, 6), conv.outputShape());
    }
}
