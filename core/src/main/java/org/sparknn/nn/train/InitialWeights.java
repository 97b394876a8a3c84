package org.sparknn.nn.train;

import java.util.List;
import java.util.Objects;
import org.sparknn.nn.layer.Layer;
import org.sparknn.nn.model.Network;
import org.sparknn.nn.spec.LayerSpec;
import org.sparknn.nn.spec.ModelSpec;
import org.sparknn.nn.spec.NetworkSpec;

/**
 * A run's starting weights taken from another model (fine-tuning). The two networks must have the
 * same input and the same layers (names aside), except that a final dense layer with another
 * number of units (another class count) starts from the run's own initialization. The features
 * must be normalized alike: weights learnt on other inputs would be silently wrong.
 */
public final class InitialWeights {
    private InitialWeights() {
    }

    /**
     * @param params     the run's starting parameters
     * @param freshLayer the final layer that starts fresh (its index and its spec), or null when
     *                   every layer was taken over
     */
    public record Result(float[] params, String freshLayer) {
    }

    /**
     * Checks that {@code initial}'s weights can start a run of {@code target} (see {@link #of}),
     * before any data is read.
     *
     * @return the final layer that will start fresh (its index and spec), or null
     * @throws IllegalArgumentException naming the first difference that keeps the weights from
     *                                  applying
     */
    public static String check(ModelSpec initial, String where, ModelSpec target) {
        if (!Objects.equals(initial.normalization(), target.normalization())) {
            throw new IllegalArgumentException(where + ": the initial model's features were normalized as "
                + describe(initial) + " but this run's are normalized as " + describe(target)
                + "; fine-tune on features normalized as the initial model's were");
        }
        NetworkSpec from = initial.network();
        NetworkSpec to = target.network();
        if (!from.input().equals(to.input())) {
            throw new IllegalArgumentException(where + ": the initial model's input is " + from.input()
                + " but this network's is " + to.input());
        }
        List<LayerSpec> a = from.layers();
        List<LayerSpec> b = to.layers();
        int lastWithParams = -1;
        for (int i = 0; i < b.size(); i++) {
            String type = b.get(i).type() == null ? "" : b.get(i).type().toLowerCase(java.util.Locale.ROOT);
            if (type.equals("dense") || type.equals("conv2d")) {
                lastWithParams = i;
            }
        }
        String fresh = null;
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            if (i >= a.size() || i >= b.size()) {
                throw new IllegalArgumentException(where + ": the initial model has " + a.size()
                    + " layers but this network has " + b.size() + "; layer " + i + " is "
                    + (i < a.size() ? a.get(i).toJson() + " in the initial model only" : b.get(i).toJson()
                    + " in this network only"));
            }
            LayerSpec x = a.get(i).withName(null);
            LayerSpec y = b.get(i).withName(null);
            if (x.equals(y)) {
                continue;
            }
            if (i == lastWithParams && "dense".equalsIgnoreCase(y.type()) && "dense".equalsIgnoreCase(x.type())
                    && !Objects.equals(x.units(), y.units()) && withUnits(x, y.units()).equals(y)) {
                fresh = "layer " + i + " " + b.get(i).toJson() + " (" + x.units() + " units in the initial model)";
                continue;
            }
            throw new IllegalArgumentException(where + ": layer " + i + " differs: " + a.get(i).toJson()
                + " in the initial model, " + b.get(i).toJson() + " in this network");
        }
        return fresh;
    }

    /**
     * The starting parameters of {@code target}'s network {@code net}: {@code initial}'s weights
     * {@code initialParams}, layer by layer, and {@code freshParams} (the run's own initialization)
     * for a final dense layer whose class count differs.
     *
     * @param where names the initial model in errors
     * @throws IllegalArgumentException naming the first difference that keeps the weights from
     *                                  applying
     */
    public static Result of(ModelSpec initial, float[] initialParams, String where, ModelSpec target, Network net,
                            float[] freshParams) {
        String fresh = check(initial, where, target);
        float[] p = freshParams.clone();
        int expected = Network.build(initial.network()).paramCount();
        if (initialParams.length != expected) {
            throw new IllegalArgumentException(where + ": the initial model has " + initialParams.length
                + " weights but its spec " + expected);
        }
        int end = fresh == null ? p.length : net.paramOffset(lastLayerWithParams(net));
        System.arraycopy(initialParams, 0, p, 0, end);
        return new Result(p, fresh);
    }

    /**
     * The network to fine-tune {@code initial} as, for {@code classes} classes: its own, with the
     * final dense layer's units set to the class count.
     */
    public static NetworkSpec networkFor(NetworkSpec initial, int classes) {
        List<LayerSpec> layers = new java.util.ArrayList<>(initial.layers());
        for (int i = layers.size() - 1; i >= 0; i--) {
            String type = layers.get(i).type() == null ? "" : layers.get(i).type().toLowerCase(java.util.Locale.ROOT);
            if (type.equals("dense")) {
                layers.set(i, withUnits(layers.get(i), classes));
                break;
            }
            if (type.equals("conv2d")) {
                break;
            }
        }
        return new NetworkSpec(initial.input(), layers);
    }

    private static LayerSpec withUnits(LayerSpec l, Integer units) {
        return new LayerSpec(l.type(), l.name(), units, l.filters(), l.kernel(), l.strides(), l.padding(), l.pool(),
            l.rate(), l.activation(), l.init());
    }

    private static int lastLayerWithParams(Network net) {
        List<Layer> layers = net.layers();
        for (int i = layers.size() - 1; i >= 0; i--) {
            if (layers.get(i).paramCount() > 0) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The number of leading parameters of the first {@code layers} layers that have parameters
     * (what {@link TrainState#freeze} freezes).
     *
     * @throws IllegalArgumentException when the network has fewer such layers
     */
    public static int frozenParams(Network net, int layers) {
        if (layers < 0) {
            throw new IllegalArgumentException("freezeLayers must be >= 0, got " + layers);
        }
        int seen = 0;
        List<Layer> all = net.layers();
        for (int i = 0; i < all.size() && seen < layers; i++) {
            if (all.get(i).paramCount() > 0 && ++seen == layers) {
                return net.paramOffset(i) + all.get(i).paramCount();
            }
        }
        if (seen < layers) {
            throw new IllegalArgumentException("freezeLayers is " + layers + " but the network has " + seen
                + " layers with parameters");
        }
        return 0;
    }

    private static String describe(ModelSpec m) {
        return m.normalization() == null ? "unknown (features used as given)" : "(" + m.normalization() + ")";
    }
}
