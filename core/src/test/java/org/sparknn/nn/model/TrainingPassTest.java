package org.sparknn.nn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sparknn.nn.layer.Layer;
import org.sparknn.nn.layer.Shape;
import org.sparknn.nn.loss.Loss;
import org.sparknn.nn.loss.SoftmaxCrossEntropy;
import org.sparknn.nn.random.Seeds;
import org.sparknn.nn.spec.LayerSpec;
import org.sparknn.nn.spec.NetworkSpec;

/**
 * Network.forwardBackward runs a convolution and the max pooling after it as one, example by
 * example: its loss and gradients must be those of every layer's training pass run one after the
 * other, to the bit.
 */
class TrainingPassTest {
    private static float[] random(int n, SplittableRandom rng) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        return a;
    }

    /** The summed loss and the gradient of every layer's forward then backward pass, on buffers of its own. */
    private static double layerByLayer(Network net, float[] params, float[] grads, float[] input, int[] labels, int batch,
                                       Loss loss, long seed) {
        List<Layer> layers = net.layers();
        int n = layers.size();
        float[][] act = new float[n + 1][];
        Layer.Scratch[] scratch = new Layer.Scratch[n];
        act[0] = input;
        for (int i = 0; i < n; i++) {
            Layer l = layers.get(i);
            act[i + 1] = new float[batch * l.outputShape().size()];
            scratch[i] = l.scratch(batch);
            l.forward(params, net.paramOffset(i), act[i], act[i + 1], batch, scratch[i], true, Seeds.mix(seed, i));
        }
        // the loss takes the softmax's input: the last layer is a softmax it subsumes
        int top = n - 1;
        float[] dy = new float[act[top].length];
        double sum = loss.lossAndGradient(act[top], labels, 0, batch, net.outputSize(), dy);
        for (int i = top - 1; i >= 0; i--) {
            Layer l = layers.get(i);
            float[] dx = i == 0 ? null : new float[batch * l.inputShape().size()];
            l.backward(params, net.paramOffset(i), grads, act[i], act[i + 1], dy, dx, batch, scratch[i]);
            dy = dx;
        }
        return sum;
    }

    private static void assertSameAsLayerByLayer(NetworkSpec spec, int batch) {
        Network net = Network.build(spec);
        SplittableRandom rng = new SplittableRandom(5);
        float[] params = net.initialParams(13);
        float[] input = random(batch * net.inputSize(), rng);
        int[] labels = new int[batch];
        for (int b = 0; b < batch; b++) {
            labels[b] = rng.nextInt(net.outputSize());
        }
        Loss loss = new SoftmaxCrossEntropy();
        float[] expected = new float[net.paramCount()];
        double expectedLoss = layerByLayer(net, params, expected, input.clone(), labels, batch, loss, 21L);

        Network.Workspace ws = net.workspace(batch + 2);
        float[] grads = new float[net.paramCount()];
        System.arraycopy(input, 0, ws.input(), 0, input.length);
        double lossSum = net.forwardBackward(params, grads, ws, labels, 0, batch, loss, 21L);
        assertEquals(expectedLoss, lossSum, 0.0, spec.toJson());
        assertArrayEquals(expected, grads, spec.toJson());
        // the first convolution's gradient comes out of the pooled pair: it must be there at all
        int first = net.layers().get(0).paramCount();
        int nonZero = 0;
        for (int i = 0; i < first; i++) {
            nonZero += grads[i] != 0f ? 1 : 0;
        }
        assertTrue(nonZero > first / 2, nonZero + " of the first layer's " + first + " gradient values are not zero");
    }

    @Test
    void presetsGiveTheGradientsOfTheirLayersOneAfterAnother() {
        for (String preset : List.of("cnn", "cnn3")) {
            assertSameAsLayerByLayer(NetworkSpec.preset(preset, new Shape(1, 28, 28), 10), 6);
        }
        assertSameAsLayerByLayer(NetworkSpec.preset("cnn", new Shape(3, 17, 15), 4), 3);
    }

    @Test
    void pooledConvolutionsOfEveryKind() {
        Shape in = new Shape(2, 12, 11);
        // overlapping windows (several pooled values can share a maximum), a convolution without
        // ReLU, same padding with a stride, and a pooled convolution that needs its input gradient
        assertSameAsLayerByLayer(new NetworkSpec(in, List.of(LayerSpec.conv2d(4, 3, "relu"), LayerSpec.maxPool(3, 1),
            LayerSpec.flatten(), LayerSpec.dense(3, "softmax"))), 4);
        assertSameAsLayerByLayer(new NetworkSpec(in, List.of(LayerSpec.conv2d(3, 3, "linear"), LayerSpec.maxPool(2),
            LayerSpec.flatten(), LayerSpec.dense(3, "softmax"))), 3);
        assertSameAsLayerByLayer(new NetworkSpec(in, List.of(LayerSpec.conv2d(3, 3, 2, "same", "relu"),
            LayerSpec.maxPool(2), LayerSpec.flatten(), LayerSpec.dense(3, "softmax"))), 3);
        assertSameAsLayerByLayer(new NetworkSpec(in, List.of(LayerSpec.conv2d(3, 2, "relu"), LayerSpec.maxPool(2),
            LayerSpec.conv2d(4, 3, 1, "same", "relu"), LayerSpec.maxPool(2, 1), LayerSpec.dropout(0.3),
            LayerSpec.flatten(), LayerSpec.dense(3, "softmax"))), 3);
    }

    @Test
    void reluMaximaThatAreZeroPassNoGradient() {
        // a strongly negative bias makes most outputs of the ReLU zero, so many pooling windows
        // hold only zeros: their maxima must pass nothing back, as the ReLU's mask does
        NetworkSpec spec = new NetworkSpec(new Shape(1, 8, 8), List.of(LayerSpec.conv2d(2, 3, "relu"),
            LayerSpec.maxPool(2), LayerSpec.flatten(), LayerSpec.dense(2, "softmax")));
        Network net = Network.build(spec);
        float[] params = net.initialParams(3);
        int biasAt = net.layers().get(0).weightCount();
        params[biasAt] = -0.6f;
        params[biasAt + 1] = -0.6f;
        int batch = 4;
        SplittableRandom rng = new SplittableRandom(8);
        float[] input = random(batch * net.inputSize(), rng);
        int[] labels = {0, 1, 1, 0};
        Loss loss = new SoftmaxCrossEntropy();
        float[] expected = new float[net.paramCount()];
        double expectedLoss = layerByLayer(net, params, expected, input.clone(), labels, batch, loss, 4L);
        Network.Workspace ws = net.workspace(batch);
        float[] grads = new float[net.paramCount()];
        System.arraycopy(input, 0, ws.input(), 0, input.length);
        assertEquals(expectedLoss, net.forwardBackward(params, grads, ws, labels, 0, batch, loss, 4L), 0.0);
        assertArrayEquals(expected, grads);
        int pooled = batch * net.layers().get(1).outputShape().size();
        long zeros = 0;
        for (int i = 0; i < pooled; i++) {
            zeros += ws.act[2][i] == 0f ? 1 : 0;
        }
        assertTrue(zeros > 0 && zeros < pooled, zeros + " of " + pooled + " pooled values are zero");
    }

    @Test
    void aListenerHearsEveryLayersGradientOnceItIsFinal() {
        for (String preset : List.of("mlp", "cnn", "cnn3")) {
            Network net = Network.build(NetworkSpec.preset(preset, new Shape(1, 28, 28), 10));
            int batch = 5;
            SplittableRandom rng = new SplittableRandom(2);
            float[] params = net.initialParams(4);
            Network.Workspace ws = net.workspace(batch);
            float[] input = random(batch * net.inputSize(), rng);
            System.arraycopy(input, 0, ws.input(), 0, input.length);
            int[] labels = {1, 2, 3, 4, 5};
            float[] grads = new float[net.paramCount()];
            List<int[]> heard = new java.util.ArrayList<>();
            List<float[]> seen = new java.util.ArrayList<>();
            double[] lossHeard = {Double.NaN};
            double loss = net.forwardBackward(params, grads, ws, labels, 0, batch, new SoftmaxCrossEntropy(), 3L,
                new Network.PassListener() {
                    @Override
                    public void lossReady(double l, int correct) {
                        assertTrue(heard.isEmpty(), "the loss comes before any gradient");
                        lossHeard[0] = l;
                    }

                    @Override
                    public void gradientReady(int from, int to) {
                        heard.add(new int[] {from, to});
                        seen.add(Arrays.copyOfRange(grads, from, to));
                    }
                });
            assertEquals(loss, lossHeard[0], 0.0, preset);
            List<int[]> expected = net.gradientRanges();
            assertEquals(expected.size(), heard.size(), preset);
            int covered = 0;
            for (int k = 0; k < expected.size(); k++) {
                assertArrayEquals(expected.get(k), heard.get(k), preset + ": range " + k);
                assertArrayEquals(Arrays.copyOfRange(grads, heard.get(k)[0], heard.get(k)[1]), seen.get(k),
                    preset + ": the values of range " + k + " were final when it was told");
                covered += heard.get(k)[1] - heard.get(k)[0];
            }
            assertEquals(net.paramCount(), covered, preset + ": the ranges cover every parameter");
        }
    }
}
