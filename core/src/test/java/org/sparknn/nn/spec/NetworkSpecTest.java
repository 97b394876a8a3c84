package org.sparknn.nn.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparknn.nn.layer.Shape;
import org.sparknn.nn.model.Network;

class NetworkSpecTest {
    static final Shape MNIST = new Shape(1, 28, 28);

    @Test
    void presetsHaveTheReferenceParameterCounts() {
        // Keras' model.summary() of the reference models
        assertEquals(101_770, Network.build(NetworkSpec.preset("mlp", MNIST, 10)).paramCount());
        assertEquals(55_050, Network.build(NetworkSpec.preset("mlp2", MNIST, 10)).paramCount());
        assertEquals(693_962, Network.build(NetworkSpec.preset("cnn", MNIST, 10)).paramCount());
        assertEquals(93_322, Network.build(NetworkSpec.preset("cnn3", MNIST, 10)).paramCount());
    }

    @Test
    void jsonRoundTripsAndAcceptsKerasLikeText() {
        NetworkSpec cnn = NetworkSpec.preset("cnn", MNIST, 10);
        assertEquals(cnn, NetworkSpec.fromJson(cnn.toJson(), "x"));
        NetworkSpec typed = NetworkSpec.fromJson("""
            {"input": {"channels": 1, "height": 28, "width": 28},
             "layers": [{"type": "conv2d", "filters": 8, "kernel": 5, "strides": 2, "padding": "same", "activation": "relu"},
                        {"type": "flatten"}, {"type": "dense", "units": 10, "activation": "softmax", "init": "he_normal"}]}
            """, "spec.json");
        Network net = Network.build(typed);
        assertEquals(new Shape(8, 14, 14), net.layers().get(0).outputShape());
        assertEquals(10, net.outputSize());
    }

    private static String error(NetworkSpec spec) {
        return assertThrows(IllegalArgumentException.class, () -> Network.build(spec)).getMessage();
    }

    @Test
    void shapeErrorsNameTheLayerAndTheShapes() {
        assertEquals("layer 2 (dense): expects a flat input, got (4, 26, 26); put a flatten layer before it",
            error(new NetworkSpec(MNIST, List.of(LayerSpec.conv2d(4, 3, "relu"), LayerSpec.dense(10, null)))));
        assertEquals("layer 1 (conv2d): kernel 30x30 does not fit the input (1, 28, 28) with valid padding",
            error(new NetworkSpec(MNIST, List.of(LayerSpec.conv2d(4, 30, null)))));
        assertEquals("layer 3 (maxpool2d): expects a (channels, height, width) input, got the flat (784)",
            error(new NetworkSpec(MNIST, List.of(LayerSpec.flatten(), LayerSpec.dense(784, null), LayerSpec.maxPool(2)))));
    }

    @Test
    void unknownTypesAndOptionsAreErrors() {
        assertTrue(error(new NetworkSpec(MNIST, List.of(new LayerSpec("lstm", null, null, null, null, null, null, null,
            null, null, null)))).startsWith("layer 1 (lstm): unknown layer type 'lstm'"));
        assertEquals("layer 1 (flatten): option 'units' does not apply",
            error(new NetworkSpec(MNIST, List.of(new LayerSpec("flatten", null, 3, null, null, null, null, null, null, null, null)))));
        assertTrue(error(new NetworkSpec(MNIST, List.of(LayerSpec.flatten(), LayerSpec.dense(10, "swish"))))
            .startsWith("layer 2 (dense): unknown activation 'swish'"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NetworkSpec.fromJson(
            "{\"input\": {\"channels\": 1, \"height\": 2, \"width\": 2}, \"layers\": [{\"type\": \"dense\", \"unit\": 3}]}",
            "my-spec.json"));
        assertTrue(e.getMessage().startsWith("my-spec.json: not a valid network spec: Unrecognized field \"unit\""),
            e.getMessage());
    }
}
