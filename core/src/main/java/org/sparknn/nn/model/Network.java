package org.sparknn.nn.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.sparknn.nn.layer.Activation;
import org.sparknn.nn.layer.Conv2D;
import org.sparknn.nn.layer.Dense;
import org.sparknn.nn.layer.Dropout;
import org.sparknn.nn.layer.Flatten;
import org.sparknn.nn.layer.Init;
import org.sparknn.nn.layer.Layer;
import org.sparknn.nn.layer.MaxPool2D;
import org.sparknn.nn.layer.Shape;
import org.sparknn.nn.linalg.Blas;
import org.sparknn.nn.loss.Loss;
import org.sparknn.nn.spec.LayerSpec;
import org.sparknn.nn.spec.ModelSpec;
import org.sparknn.nn.spec.NetworkSpec;

/**
 * A built network: its layers with inferred shapes and the offsets of their parameters in one
 * flat {@code float[]}. Stateless apart from its structure: parameters, gradients and the
 * per-batch buffers ({@link Workspace}) are passed in, so one network serves many threads.
 */
public final class Network {
    private final NetworkSpec spec;
    private final List<Layer> layers;
    private final int[] offsets;
    private final int paramCount;
    /** Whether layer i must compute its input gradient: only when a layer before it has parameters. */
    private final boolean[] needsInputGradient;

    private Network(NetworkSpec spec, List<Layer> layers) {
        this.spec = spec;
        this.layers = Collections.unmodifiableList(layers);
        this.offsets = new int[layers.size()];
        long total = 0;
        for (int i = 0; i < layers.size(); i++) {
            offsets[i] = (int) total;
            total += layers.get(i).paramCount();
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("the network has " + total + " parameters, more than one float array holds");
        }
        this.paramCount = (int) total;
        this.needsInputGradient = new boolean[layers.size()];
        boolean trainableBefore = false;
        for (int i = 0; i < layers.size(); i++) {
            needsInputGradient[i] = trainableBefore;
            trainableBefore |= layers.get(i).paramCount() > 0;
        }
    }

    /** Builds a model's network and checks that its output matches the model's class names. */
    public static Network build(ModelSpec model, Blas blas) {
        Network net = build(model.network(), blas);
        if (net.outputSize() != model.classNames().size()) {
            throw new IllegalArgumentException("the network's last layer has " + net.outputSize()
                + " outputs but the model has " + model.classNames().size() + " classes");
        }
        return net;
    }

    /** Builds a network with the default BLAS. */
    public static Network build(NetworkSpec spec) {
        return build(spec, Blas.get());
    }

    /**
     * Builds the layers, inferring each shape; an impossible shape or an unknown type or option is
     * an error naming the layer (index and type) and the expected and actual shapes.
     */
    public static Network build(NetworkSpec spec, Blas blas) {
        List<Layer> layers = new ArrayList<>();
        Shape shape = spec.input();
        int index = 0;
        for (LayerSpec l : spec.layers()) {
            index++;
            String type = l.type() == null ? "" : l.type().toLowerCase(Locale.ROOT);
            String name = l.name() != null ? l.name() : type + "_" + index;
            String where = "layer " + index + " (" + type + (l.name() != null ? " '" + l.name() + "'" : "") + ")";
            switch (type) {
                case "dense" -> {
                    allow(l, where, "units", "activation", "init");
                    int units = positive(l.units(), "units", where);
                    if (!shape.isFlat()) {
                        throw new IllegalArgumentException(where + ": expects a flat input, got " + shape
                            + "; put a flatten layer before it");
                    }
                    layers.add(new Dense(name, shape, units, init(l, where), blas));
                }
                case "conv2d" -> {
                    allow(l, where, "filters", "kernel", "strides", "padding", "activation", "init");
                    int filters = positive(l.filters(), "filters", where);
                    int[] k = size2(l.kernel(), "kernel", where);
                    int stride = l.strides() == null ? 1 : positive(l.strides(), "strides", where);
                    boolean same = padding(l.padding(), where);
                    requireSpatial(shape, where);
                    if (!same && (k[0] > shape.height() || k[1] > shape.width())) {
                        throw new IllegalArgumentException(where + ": kernel " + k[0] + "x" + k[1]
                            + " does not fit the input " + shape + " with valid padding");
                    }
                    boolean relu = l.activation() != null && l.activation().equalsIgnoreCase("relu");
                    layers.add(new Conv2D(name, shape, filters, k[0], k[1], stride, same, init(l, where), relu, blas));
                }
                case "maxpool2d" -> {
                    allow(l, where, "pool", "strides");
                    int[] p = size2(l.pool(), "pool", where);
                    int stride = l.strides() == null ? p[0] : positive(l.strides(), "strides", where);
                    requireSpatial(shape, where);
                    if (p[0] > shape.height() || p[1] > shape.width()) {
                        throw new IllegalArgumentException(where + ": pool " + p[0] + "x" + p[1]
                            + " does not fit the input " + shape);
                    }
                    layers.add(new MaxPool2D(name, shape, p[0], p[1], stride));
                }
                case "dropout" -> {
                    allow(l, where, "rate");
                    if (l.rate() == null || !(l.rate() >= 0 && l.rate() < 1)) {
                        throw new IllegalArgumentException(where + ": rate must be in [0, 1), got " + l.rate());
                    }
                    layers.add(new Dropout(name, shape, l.rate().floatValue()));
                }
                case "flatten" -> {
                    allow(l, where);
                    layers.add(new Flatten(name, shape));
                }
                case "activation" -> {
                    allow(l, where, "activation");
                    if (l.activation() == null) {
                        throw new IllegalArgumentException(where + ": activation is required");
                    }
                }
                default -> throw new IllegalArgumentException(where + ": unknown layer type '" + l.type()
                    + "', expected dense, conv2d, maxpool2d, dropout, flatten or activation");
            }
            boolean fusedRelu = type.equals("conv2d") && l.activation() != null && l.activation().equalsIgnoreCase("relu");
            if (l.activation() != null && !l.activation().equalsIgnoreCase("linear") && !fusedRelu) {
                Shape s = type.equals("activation") ? shape : layers.get(layers.size() - 1).outputShape();
                Activation.Kind kind = Activation.Kind.parse(l.activation(), where);
                layers.add(new Activation(type.equals("activation") ? name : name + "_" + kind.name().toLowerCase(Locale.ROOT),
                    s, kind));
            }
            if (!layers.isEmpty()) {
                shape = layers.get(layers.size() - 1).outputShape();
            }
        }
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("the network has no layers with an effect");
        }
        return new Network(spec, layers);
    }

    private static void allow(LayerSpec l, String where, String... options) {
        List<String> ok = List.of(options);
        String[][] set = {
            {"units", l.units() == null ? null : ""}, {"filters", l.filters() == null ? null : ""},
            {"kernel", l.kernel() == null ? null : ""}, {"strides", l.strides() == null ? null : ""},
            {"padding", l.padding()}, {"pool", l.pool() == null ? null : ""},
            {"rate", l.rate() == null ? null : ""}, {"activation", l.activation()}, {"init", l.init()}};
        for (String[] s : set) {
            if (s[1] != null && !ok.contains(s[0])) {
                throw new IllegalArgumentException(where + ": option '" + s[0] + "' does not apply"
                    + (ok.isEmpty() ? "" : "; it takes " + ok));
            }
        }
    }

    private static int positive(Integer v, String option, String where) {
        if (v == null || v <= 0) {
            throw new IllegalArgumentException(where + ": " + option + " must be a positive integer, got " + v);
        }
        return v;
    }

    private static int[] size2(int[] v, String option, String where) {
        if (v == null || v.length < 1 || v.length > 2 || v[0] <= 0 || v[v.length - 1] <= 0) {
            throw new IllegalArgumentException(where + ": " + option + " must be a positive size or [height, width], got "
                + (v == null ? null : java.util.Arrays.toString(v)));
        }
        return v.length == 1 ? new int[] {v[0], v[0]} : v;
    }

    private static boolean padding(String p, String where) {
        if (p == null || p.equalsIgnoreCase("valid")) {
            return false;
        }
        if (p.equalsIgnoreCase("same")) {
            return true;
        }
        throw new IllegalArgumentException(where + ": padding must be 'valid' or 'same', got '" + p + "'");
    }

    private static void requireSpatial(Shape shape, String where) {
        if (shape.isFlat()) {
            throw new IllegalArgumentException(where + ": expects a (channels, height, width) input, got the flat " + shape);
        }
    }

    private static Init init(LayerSpec l, String where) {
        return l.init() == null ? Init.GLOROT_UNIFORM : Init.parse(l.init(), where);
    }

    public NetworkSpec spec() {
        return spec;
    }

    public List<Layer> layers() {
        return layers;
    }

    public int paramCount() {
        return paramCount;
    }

    public Shape inputShape() {
        return spec.input();
    }

    public int inputSize() {
        return spec.input().size();
    }

    public int outputSize() {
        return layers.get(layers.size() - 1).outputShape().size();
    }

    /**
     * The ranges of the parameter array that belong to one layer each, {@code {from, to}}, in the
     * order a training pass finishes their gradients (top layer first): the order of
     * {@link PassListener#gradientReady}.
     */
    public List<int[]> gradientRanges() {
        List<int[]> ranges = new ArrayList<>();
        for (int i = layers.size() - 1; i >= 0; i--) {
            if (layers.get(i).paramCount() > 0) {
                ranges.add(new int[] {offsets[i], offsets[i] + layers.get(i).paramCount()});
            }
        }
        return ranges;
    }

    /** Offset of layer {@code i}'s parameters. */
    public int paramOffset(int i) {
        return offsets[i];
    }

    /** Multiply-adds of one example's forward pass. */
    public long forwardMacs() {
        long m = 0;
        for (Layer l : layers) {
            m += l.forwardMacs();
        }
        return m;
    }

    /**
     * Multiply-adds of one example's training pass: forward, weight gradients, and input
     * gradients of the layers that need them.
     */
    public long trainingMacs() {
        long m = 0;
        for (int i = 0; i < layers.size(); i++) {
            long f = layers.get(i).forwardMacs();
            m += 2 * f + (needsInputGradient[i] ? f : 0);
        }
        return m;
    }

    /** Initializes every layer's parameters from {@code seed} (each layer its own stream). */
    public float[] initialParams(long seed) {
        float[] p = new float[paramCount];
        SplittableRandom root = new SplittableRandom(seed);
        for (int i = 0; i < layers.size(); i++) {
            layers.get(i).init(p, offsets[i], root.split());
        }
        return p;
    }

    /** Calls {@code f(offset, length)} for every weight range (biases excluded), for regularization. */
    public void forEachWeightRange(java.util.function.IntBinaryOperator f) {
        for (int i = 0; i < layers.size(); i++) {
            int w = layers.get(i).weightCount();
            if (w > 0) {
                f.applyAsInt(offsets[i], w);
            }
        }
    }

    public Workspace workspace(int maxBatch) {
        return new Workspace(this, maxBatch);
    }

    /**
     * Whether the training pass runs layer {@code i}, a convolution, and the max pooling after it
     * as one ({@link Conv2D#trainPooled}): their full-size intermediate output then never leaves
     * the cache.
     */
    private boolean pooledAt(int i) {
        return i + 1 < layers.size() && layers.get(i) instanceof Conv2D && layers.get(i + 1) instanceof MaxPool2D;
    }

    /** True when the loss takes logits and the last layer is a softmax it subsumes. */
    private boolean fusedSoftmax(Loss loss) {
        return loss.takesLogits() && layers.get(layers.size() - 1) instanceof Activation a
            && a.kind() == Activation.Kind.SOFTMAX;
    }

    /**
     * Inference (dropout off) on the {@code batch} examples in {@code ws.input()}; returns the
     * output buffer ({@code batch x outputSize()}, probabilities for a softmax network).
     */
    public float[] forward(float[] params, Workspace ws, int batch) {
        ws.checkBatch(batch);
        int n = layers.size();
        float[] x = ws.act[0];
        for (int i = 0; i < n; i++) {
            Layer layer = layers.get(i);
            // Layers that pass values through are skipped, and a convolution pools its own output
            // when a max pooling follows. Only inner buffers go unwritten: the last two (the raw
            // scores and the output) are read after a forward pass.
            boolean inner = i + 1 < n - 1;
            if (inner && layer.identityAtInference()) {
                continue;
            }
            if (inner && layer instanceof Conv2D conv && layers.get(i + 1) instanceof MaxPool2D pool) {
                conv.forwardPooled(params, offsets[i], x, ws.act[i + 2], batch, ws.scratch[i], pool);
                x = ws.act[i + 2];
                i++;
                continue;
            }
            layer.forward(params, offsets[i], x, ws.act[i + 1], batch, ws.scratch[i], false, 0L);
            x = ws.act[i + 1];
        }
        return ws.act[n];
    }

    /**
     * One training forward and backward pass over the {@code batch} examples in
     * {@code ws.input()}, adding the gradient of the summed loss into {@code grads}.
     *
     * @param seed seed of this batch's random choices (dropout masks)
     * @return the summed loss; {@link Workspace#correct()} then holds the correctly classified count
     */
    public double forwardBackward(float[] params, float[] grads, Workspace ws, int[] labels, int labelOff, int batch,
                                  Loss loss, long seed) {
        return forwardBackward(params, grads, ws, labels, labelOff, batch, loss, seed, null);
    }

    /**
     * What a training pass tells as it goes: its loss once the forward pass is done, then each
     * layer's range of the gradient array as soon as the backward pass has finished adding into
     * it, top layer first. A gradient exchange can send those values while the layers below are
     * still computing theirs.
     */
    public interface PassListener {
        /** The pass's summed loss and correctly classified count, before the backward pass. */
        void lossReady(double loss, int correct);

        /** Gradient values {@code [from, to)} have their final values for this pass. */
        void gradientReady(int from, int to);
    }

    /**
     * {@link #forwardBackward(float[], float[], Workspace, int[], int, int, Loss, long)}, telling
     * {@code listener} (when not null) the loss and every layer's gradient as soon as each is known.
     */
    public double forwardBackward(float[] params, float[] grads, Workspace ws, int[] labels, int labelOff, int batch,
                                  Loss loss, long seed, PassListener listener) {
        return forwardBackward(params, grads, ws, labels, null, labelOff, batch, loss, seed, listener);
    }

    /**
     * {@link #forwardBackward(float[], float[], Workspace, int[], int, int, Loss, long, PassListener)}
     * with a weight per example ({@code weights}, from {@code labelOff} as the labels; null: all 1):
     * the returned loss is the weighted sum, and the gradient that of the weighted sum.
     */
    public double forwardBackward(float[] params, float[] grads, Workspace ws, int[] labels, float[] weights,
                                  int labelOff, int batch, Loss loss, long seed, PassListener listener) {
        ws.checkBatch(batch);
        int n = layers.size();
        for (int i = 0; i < n; i++) {
            Layer layer = layers.get(i);
            if (pooledAt(i)) {
                ((Conv2D) layer).trainPooled(params, offsets[i], ws.act[i], ws.act[i + 2], batch, ws.scratch[i],
                    (MaxPool2D) layers.get(i + 1), ws.scratch[i + 1]);
                i++;
                continue;
            }
            layer.forward(params, offsets[i], ws.act[i], ws.act[i + 1], batch, ws.scratch[i], true,
                org.sparknn.nn.random.Seeds.mix(seed, i));
        }
        boolean fused = fusedSoftmax(loss);
        int top = fused ? n - 1 : n;
        int classes = outputSize();
        double sum = loss.lossAndGradient(ws.act[top], labels, weights, labelOff, batch, classes, ws.grad[top]);
        ws.correct = countCorrect(ws.act[n], labels, labelOff, batch, classes);
        if (listener != null) {
            listener.lossReady(sum, ws.correct);
        }
        for (int i = top - 1; i >= 0; i--) {
            if (i > 0 && pooledAt(i - 1)) {
                ((Conv2D) layers.get(i - 1)).backwardPooled(params, offsets[i - 1], grads, ws.act[i - 1], ws.act[i + 1],
                    ws.grad[i + 1], needsInputGradient[i - 1] ? ws.grad[i - 1] : null, batch, ws.scratch[i - 1],
                    (MaxPool2D) layers.get(i), ws.scratch[i]);
                i--;
            } else {
                layers.get(i).backward(params, offsets[i], grads, ws.act[i], ws.act[i + 1], ws.grad[i + 1],
                    needsInputGradient[i] ? ws.grad[i] : null, batch, ws.scratch[i]);
            }
            if (listener != null && layers.get(i).paramCount() > 0) {
                listener.gradientReady(offsets[i], offsets[i] + layers.get(i).paramCount());
            }
        }
        return sum;
    }

    /**
     * After {@link #forward}: the raw scores (the input of a final softmax, else the output),
     * {@code batch x outputSize()}.
     */
    public float[] rawOutput(Workspace ws) {
        int n = layers.size();
        return layers.get(n - 1) instanceof Activation a && a.kind() == Activation.Kind.SOFTMAX ? ws.act[n - 1] : ws.act[n];
    }

    /** Whether the network ends with a softmax, so that its output is a probability vector. */
    public boolean endsWithSoftmax() {
        return layers.get(layers.size() - 1) instanceof Activation a && a.kind() == Activation.Kind.SOFTMAX;
    }

    /**
     * Inference on the {@code batch} examples in {@code ws.input()} with their loss: returns the
     * summed loss; {@link Workspace#correct()} then holds the correctly classified count.
     */
    public double evaluate(float[] params, Workspace ws, int[] labels, int labelOff, int batch, Loss loss) {
        return evaluate(params, ws, labels, null, labelOff, batch, loss);
    }

    /**
     * {@link #evaluate(float[], Workspace, int[], int, int, Loss)} with a weight per example
     * ({@code weights}, from {@code labelOff}; null: all 1): returns the weighted sum of the losses.
     */
    public double evaluate(float[] params, Workspace ws, int[] labels, float[] weights, int labelOff, int batch,
                           Loss loss) {
        forward(params, ws, batch);
        int n = layers.size();
        int top = fusedSoftmax(loss) ? n - 1 : n;
        int classes = outputSize();
        double sum = loss.lossAndGradient(ws.act[top], labels, weights, labelOff, batch, classes, ws.grad[top]);
        ws.correct = countCorrect(ws.act[n], labels, labelOff, batch, classes);
        return sum;
    }

    /** Examples whose largest output is at their label. */
    public static int countCorrect(float[] out, int[] labels, int labelOff, int batch, int classes) {
        int correct = 0;
        for (int b = 0; b < batch; b++) {
            if (argMax(out, b * classes, classes) == labels[labelOff + b]) {
                correct++;
            }
        }
        return correct;
    }

    public static int argMax(float[] v, int off, int n) {
        int best = 0;
        for (int k = 1; k < n; k++) {
            if (v[off + k] > v[off + best]) {
                best = k;
            }
        }
        return best;
    }

    /** Per-batch buffers: activations and their gradients for every layer, and each layer's scratch. */
    public static final class Workspace {
        private final int maxBatch;
        final float[][] act;
        final float[][] grad;
        final Layer.Scratch[] scratch;
        int correct;

        Workspace(Network net, int maxBatch) {
            if (maxBatch <= 0) {
                throw new IllegalArgumentException("batch capacity must be positive, got " + maxBatch);
            }
            this.maxBatch = maxBatch;
            int n = net.layers.size();
            act = new float[n + 1][];
            grad = new float[n + 1][];
            scratch = new Layer.Scratch[n];
            act[0] = new float[maxBatch * net.inputSize()];
            for (int i = 0; i < n; i++) {
                Layer l = net.layers.get(i);
                int size = maxBatch * l.outputShape().size();
                if (l instanceof Flatten) {
                    // the same values in the same layout: one buffer serves as input and output
                    if (grad[i] == null) {
                        grad[i] = new float[size];
                    }
                    act[i + 1] = act[i];
                    grad[i + 1] = grad[i];
                } else {
                    act[i + 1] = new float[size];
                    grad[i + 1] = new float[size];
                }
                scratch[i] = l.scratch(maxBatch);
            }
        }

        /** Where the caller puts the batch: {@code maxBatch x inputSize} floats, row per example. */
        public float[] input() {
            return act[0];
        }

        public int maxBatch() {
            return maxBatch;
        }

        /** Correct predictions of the last {@link #forwardBackward}. */
        public int correct() {
            return correct;
        }

        void checkBatch(int batch) {
            if (batch <= 0 || batch > maxBatch) {
                throw new IllegalArgumentException("batch of " + batch + " examples does not fit a workspace of " + maxBatch);
            }
        }
    }
}
