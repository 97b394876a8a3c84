package org.sparknn.interop;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.sparknn.nn.layer.Shape;
import org.sparknn.nn.linalg.Im2col;
import org.sparknn.nn.model.Network;
import org.sparknn.nn.spec.LayerSpec;
import org.sparknn.nn.spec.NetworkSpec;
import org.sparknn.nn.spec.Normalization;

/**
 * Builds an engine network from an imported model, layer by layer in the engine's layouts, keeping
 * track of the shape: the importers convert their format's layouts and call this. Element-wise
 * scaling and shifting before the first layer becomes the model's normalization.
 */
final class NetworkBuilder {
    private final Shape input;
    private Shape shape;
    private final List<LayerSpec> layers = new ArrayList<>();
    private final List<float[]> params = new ArrayList<>();
    /** The input transform so far, per channel: x' = mul[c] * x + add[c]. */
    private final double[] mul;
    private final double[] add;
    private boolean transformed;
    private boolean softmaxAppended;

    NetworkBuilder(Shape input) {
        this.input = input;
        this.shape = input;
        this.mul = new double[input.channels()];
        this.add = new double[input.channels()];
        Arrays.fill(mul, 1.0);
    }

    Shape shape() {
        return shape;
    }

    /** Whether a layer has been added (normalization may only come before the first). */
    boolean started() {
        return !layers.isEmpty();
    }

    /**
     * Applies {@code x' = x * m + a} to the input, per channel ({@code m} and {@code a} hold one value
     * for all channels or one per channel).
     */
    void inputAffine(double[] m, double[] a, String where) {
        int c = mul.length;
        for (double[] v : new double[][] {m, a}) {
            if (v.length != 1 && v.length != c) {
                throw new IllegalArgumentException(where + ": its constant has " + v.length + " values; expected 1 or one per"
                    + " input channel (" + c + ")");
            }
        }
        for (int i = 0; i < c; i++) {
            double mi = m[m.length == 1 ? 0 : i];
            mul[i] *= mi;
            add[i] = add[i] * mi + a[a.length == 1 ? 0 : i];
        }
        transformed = true;
    }

    /** @param w the kernel, {@code in x units} row-major */
    void dense(String name, int units, float[] w, float[] bias) {
        if (!shape.isFlat()) {
            throw new IllegalArgumentException(name + ": a dense layer needs a flat input, got " + shape);
        }
        check(name, "kernel", w, shape.size() * units);
        check(name, "bias", bias, units);
        add(new LayerSpec("dense", name, units, null, null, null, null, null, null, null, null), w, bias);
        shape = Shape.flat(units);
    }

    /** @param w the kernel, {@code filters x channels x kh x kw} row-major */
    void conv(String name, int filters, int kh, int kw, int stride, boolean same, float[] w, float[] bias) {
        requireSpatial(name);
        check(name, "kernel", w, filters * shape.channels() * kh * kw);
        check(name, "bias", bias, filters);
        Im2col g = Im2col.of(shape.channels(), shape.height(), shape.width(), kh, kw, stride, same);
        add(new LayerSpec("conv2d", name, null, filters, new int[] {kh, kw}, stride == 1 ? null : stride,
            same ? "same" : null, null, null, null, null), w, bias);
        shape = new Shape(filters, g.outH(), g.outW());
    }

    /** The engine's "same" padding of a window on the current shape: {top, left, bottom, right}. */
    int[] samePads(int kh, int kw, int stride) {
        Im2col g = Im2col.of(shape.channels(), shape.height(), shape.width(), kh, kw, stride, true);
        int h = Math.max((g.outH() - 1) * stride + kh - shape.height(), 0);
        int v = Math.max((g.outW() - 1) * stride + kw - shape.width(), 0);
        return new int[] {g.padTop(), g.padLeft(), h - g.padTop(), v - g.padLeft()};
    }

    void maxPool(String name, int ph, int pw, int stride) {
        requireSpatial(name);
        if (ph > shape.height() || pw > shape.width()) {
            throw new IllegalArgumentException(name + ": pool " + ph + "x" + pw + " does not fit the input " + shape);
        }
        layers.add(new LayerSpec("maxpool2d", name, null, null, null, stride == ph ? null : stride, null,
            new int[] {ph, pw}, null, null, null));
        shape = new Shape(shape.channels(), (shape.height() - ph) / stride + 1, (shape.width() - pw) / stride + 1);
    }

    void flatten(String name) {
        layers.add(new LayerSpec("flatten", name, null, null, null, null, null, null, null, null, null));
        shape = Shape.flat(shape.size());
    }

    void dropout(String name, double rate) {
        layers.add(LayerSpec.dropout(rate).withName(name));
    }

    /**
     * An activation: into the previous dense or convolution layer when that has none (a ReLU after
     * a convolution is fused there), else a layer of its own.
     */
    void activation(String name, String kind) {
        if (!layers.isEmpty()) {
            LayerSpec last = layers.get(layers.size() - 1);
            if ((last.type().equals("dense") || last.type().equals("conv2d")) && last.activation() == null) {
                layers.set(layers.size() - 1, last.withActivation(kind));
                return;
            }
        }
        layers.add(new LayerSpec("activation", name, null, null, null, null, null, null, null, kind, null));
    }

    /** Whether the network so far ends in a softmax. */
    boolean endsWithSoftmax() {
        return !layers.isEmpty() && "softmax".equals(layers.get(layers.size() - 1).activation());
    }

    /**
     * The network; one whose output is not a softmax gets one appended (recorded in the spec as a layer
     * named {@value Imported#APPENDED_SOFTMAX}), so that its outputs are probabilities.
     */
    Imported build(String source, List<String> classNames) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException(source + ": the model has no layers spark-nn can run");
        }
        if (!endsWithSoftmax()) {
            layers.add(new LayerSpec("activation", Imported.APPENDED_SOFTMAX, null, null, null, null, null, null, null,
                "softmax", null));
            softmaxAppended = true;
        }
        if (!shape.isFlat()) {
            throw new IllegalArgumentException(source + ": the model's output has the shape " + shape
                + "; spark-nn classifies, so it expects a flat output of class scores");
        }
        NetworkSpec spec = new NetworkSpec(input, layers);
        Network net = Network.build(spec);
        int total = 0;
        for (float[] p : params) {
            total += p.length;
        }
        float[] all = new float[total];
        int off = 0;
        for (float[] p : params) {
            System.arraycopy(p, 0, all, off, p.length);
            off += p.length;
        }
        if (total != net.paramCount()) {
            throw new IllegalStateException(source + ": imported " + total + " parameters for a network of "
                + net.paramCount());
        }
        return new Imported(spec, all, classNames, transformed ? normalization(source) : null, softmaxAppended);
    }

    /**
     * The input transform as a normalization {@code (raw * scale - mean) / std}: a common factor with
     * no shift is a scaling alone; otherwise the scale is 1/255 (8-bit pixels), {@code std = scale / mul}
     * and {@code mean = -add * std}.
     */
    private Normalization normalization(String source) {
        boolean shift = false;
        boolean common = true;
        for (int c = 0; c < mul.length; c++) {
            if (!(mul[c] > 0) || !Double.isFinite(mul[c]) || !Double.isFinite(add[c])) {
                throw new IllegalArgumentException(source + ": the input's scaling for channel " + c + " is " + mul[c]
                    + " (shift " + add[c] + "); spark-nn normalizes with a positive finite factor");
            }
            shift |= add[c] != 0;
            common &= mul[c] == mul[0];
        }
        if (!shift && common) {
            return Normalization.scaleOnly(mul[0]);
        }
        double scale = Normalization.PIXEL_SCALE;
        double[] mean = new double[mul.length];
        double[] std = new double[mul.length];
        for (int c = 0; c < mul.length; c++) {
            std[c] = scale / mul[c];
            mean[c] = -add[c] * std[c];
        }
        return new Normalization(scale, mean, std);
    }

    private void add(LayerSpec l, float[] w, float[] bias) {
        layers.add(l);
        params.add(w);
        params.add(bias);
    }

    private void requireSpatial(String name) {
        if (shape.isFlat() && !layers.isEmpty()) {
            throw new IllegalArgumentException(name + ": needs an image-shaped input (channels, height, width), got "
                + shape);
        }
    }

    private static void check(String name, String what, float[] v, int expected) {
        if (v.length != expected) {
            throw new IllegalArgumentException(name + ": its " + what + " has " + v.length + " values, expected "
                + expected);
        }
    }
}
