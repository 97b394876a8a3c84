package org.sparknn.nn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sparknn.nn.layer.Shape;
import org.sparknn.nn.model.Network;
import org.sparknn.nn.optim.Adam;
import org.sparknn.nn.optim.Regularization;
import org.sparknn.nn.optim.Sgd;
import org.sparknn.nn.spec.LayerSpec;
import org.sparknn.nn.spec.ModelSpec;
import org.sparknn.nn.spec.NetworkSpec;
import org.sparknn.nn.spec.Normalization;

/** Fine-tuning's starting weights, and frozen layers that no step moves. */
class InitialWeightsTest {
    private static final Shape INPUT = new Shape(1, 6, 5);
    private static final Normalization NORM = Normalization.scaleOnly(1 / 255.0);

    private static ModelSpec model(NetworkSpec net, int classes, Normalization n) {
        List<String> names = java.util.stream.IntStream.range(0, classes).mapToObj(String::valueOf).toList();
        return ModelSpec.of(net, names, n);
    }

    @Test
    void theSameNetworkTakesEveryWeight() {
        NetworkSpec spec = NetworkSpec.preset("cnn", new Shape(1, 12, 12), 4);
        Network net = Network.build(spec);
        float[] initial = net.initialParams(1);
        InitialWeights.Result r = InitialWeights.of(model(spec, 4, NORM), initial, "m", model(spec, 4, NORM), net,
            net.initialParams(2));
        assertArrayEquals(initial, r.params());
        assertNull(r.freshLayer());
    }

    @Test
    void aFinalDenseLayerOfAnotherClassCountStartsFresh() {
        NetworkSpec from = NetworkSpec.preset("mlp2", INPUT, 10);
        NetworkSpec to = InitialWeights.networkFor(from, 3);
        assertEquals(NetworkSpec.preset("mlp2", INPUT, 3), to, "the initial network, with 3 output units");
        Network a = Network.build(from);
        Network b = Network.build(to);
        float[] initial = a.initialParams(1);
        float[] fresh = b.initialParams(2);
        InitialWeights.Result r = InitialWeights.of(model(from, 10, NORM), initial, "m", model(to, 3, NORM), b, fresh);
        int last = b.paramOffset(b.layers().size() - 2); // the final dense layer, before its softmax
        assertTrue(last > 0 && b.layers().get(b.layers().size() - 2).paramCount() > 0);
        assertArrayEquals(Arrays.copyOf(initial, last), Arrays.copyOf(r.params(), last));
        assertArrayEquals(Arrays.copyOfRange(fresh, last, fresh.length), Arrays.copyOfRange(r.params(), last, fresh.length));
        assertTrue(r.freshLayer().contains("\"units\":3") && r.freshLayer().contains("10 units in the initial model"),
            r.freshLayer());
    }

    @Test
    void anyOtherDifferenceNamesTheFirstOne() {
        NetworkSpec from = NetworkSpec.preset("mlp2", INPUT, 10);
        float[] initial = Network.build(from).initialParams(1);
        List<LayerSpec> layers = new java.util.ArrayList<>(from.layers());
        layers.set(1, LayerSpec.dense(layers.get(1).units() + 1, "relu"));
        NetworkSpec wider = new NetworkSpec(INPUT, layers);
        Network net = Network.build(wider);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InitialWeights.of(
            model(from, 10, NORM), initial, "base-model", model(wider, 10, NORM), net, net.initialParams(2)));
        assertTrue(e.getMessage().startsWith("base-model: layer 1 differs: {\"type\":\"dense\",\"units\":64"), e.getMessage());

        NetworkSpec other = new NetworkSpec(new Shape(1, 5, 6), from.layers());
        Network otherNet = Network.build(other);
        e = assertThrows(IllegalArgumentException.class, () -> InitialWeights.of(model(from, 10, NORM), initial, "m",
            model(other, 10, NORM), otherNet, otherNet.initialParams(2)));
        assertTrue(e.getMessage().contains("the initial model's input is"), e.getMessage());

        Normalization standardized = new Normalization(1 / 255.0, new double[] {0.13}, new double[] {0.31});
        Network same = Network.build(from);
        e = assertThrows(IllegalArgumentException.class, () -> InitialWeights.of(model(from, 10, NORM), initial, "m",
            model(from, 10, standardized), same, same.initialParams(2)));
        assertEquals("m: the initial model's features were normalized as (scale " + (1 / 255.0) + ") but this run's"
            + " are normalized as (" + standardized + "); fine-tune on features normalized as the initial model's were",
            e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> InitialWeights.of(model(from, 10, null), initial, "m",
            model(from, 10, NORM), same, same.initialParams(2)));
        assertTrue(e.getMessage().contains("normalized as unknown (features used as given)"), e.getMessage());
    }

    @Test
    void frozenLayersKeepTheirWeightsWhateverTheRule() {
        Network net = Network.build(NetworkSpec.preset("mlp2", INPUT, 4));
        int frozen = InitialWeights.frozenParams(net, 1);
        assertEquals(net.layers().get(1).paramCount(), frozen, "the first dense layer's weights (after the flatten)");
        assertEquals(0, InitialWeights.frozenParams(net, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> InitialWeights.frozenParams(net, 4));
        assertEquals("freezeLayers is 4 but the network has 3 layers with parameters", e.getMessage());
        SplittableRandom random = new SplittableRandom(3);
        for (var o : List.of(new Adam(0.9, 0.999, 1e-7, 0.01), new Sgd(0.9, true))) {
            TrainState s = TrainState.initial(net, o, new Regularization(1e-3, 1e-2), 5).freeze(frozen);
            float[] before = s.params().clone();
            for (int step = 0; step < 3; step++) {
                float[] g = new float[net.paramCount()];
                for (int i = 0; i < g.length; i++) {
                    g[i] = (float) random.nextGaussian();
                }
                s.applyGradientSum(g, 8, 0.01);
            }
            assertArrayEquals(Arrays.copyOf(before, frozen), Arrays.copyOf(s.params(), frozen), o.describe());
            assertFalse(Arrays.equals(Arrays.copyOfRange(before, frozen, before.length),
                Arrays.copyOfRange(s.params(), frozen, before.length)), o.describe());
            assertNotEquals(0, s.step());
        }
    }
}
