package org.sparknn.interop;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.sparknn.nn.layer.Shape;

/**
 * Reads a Keras 3 Sequential model: a {@code .keras} file (a zip of {@code config.json} and
 * {@code model.weights.h5}) or a legacy {@code .h5} file as Keras 3 writes it ({@code model_config}
 * and {@code model_weights}), built from the layers the engine has: InputLayer, Rescaling and
 * Normalization at the input (they become the model's normalization), Conv2D, MaxPooling2D, Flatten,
 * Dense, Dropout, Activation, ReLU and Softmax. Keras keeps images channels-last; the engine keeps
 * them channel-height-width, so the input shape, the convolution kernels and the rows of a Dense
 * kernel that follows a Flatten are reordered. Anything else is refused with an error that names
 * the layer and says what is supported.
 */
public final class KerasImport {
    static final String SUPPORTED = "InputLayer, Rescaling and Normalization at the input, Conv2D, MaxPooling2D, Flatten,"
        + " Dense, Dropout, Activation, ReLU and Softmax (channels_last, no dilation or groups, \"valid\" pooling)";
    /** Keras' backend epsilon, the least divisor of its Normalization layer. */
    static final double KERAS_EPSILON = 1e-7;

    /** The weights of a layer by index, in the order Keras lists them. */
    private interface Weights {
        Dataset get(String layer, int index, String what);
    }

    private final String source;
    private final Weights weights;

    private KerasImport(String source, Weights weights) {
        this.source = source;
        this.weights = weights;
    }

    /**
     * @param bytes  a .keras or .h5 file's contents (told apart by their first bytes)
     * @param source the file, for errors
     */
    public static Imported read(byte[] bytes, String source) throws IOException {
        if (bytes.length > 4 && bytes[0] == 'P' && bytes[1] == 'K' && bytes[2] == 3 && bytes[3] == 4) {
            return readKeras(bytes, source);
        }
        if (bytes.length > 8 && (bytes[0] & 0xff) == 0x89 && bytes[1] == 'H' && bytes[2] == 'D' && bytes[3] == 'F') {
            return readH5(bytes, source);
        }
        throw new IllegalArgumentException(source + ": neither a .keras file (a zip) nor an HDF5 .h5 file");
    }

    private static Imported readKeras(byte[] bytes, String source) throws IOException {
        byte[] config = null;
        byte[] weightsFile = null;
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(bytes))) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                if (e.getName().equals("config.json")) {
                    config = zip.readAllBytes();
                } else if (e.getName().equals("model.weights.h5")) {
                    weightsFile = zip.readAllBytes();
                }
            }
        }
        if (config == null || weightsFile == null) {
            throw new IllegalArgumentException(source + ": a .keras file holds config.json and model.weights.h5; this one"
                + " lacks " + (config == null ? "config.json" : "model.weights.h5"));
        }
        Path tmp = tempCopy(weightsFile);
        try (HdfFile h5 = new HdfFile(tmp)) {
            // the file keys each layer by its class and position (dense, dense_1, ...); the layer's
            // name is the attribute 'name' of the key's 'vars' group
            java.util.Map<String, String> keyOf = new java.util.HashMap<>();
            if (h5.getByPath("layers") instanceof Group layersGroup) {
                for (Node child : layersGroup.getChildren().values()) {
                    if (child instanceof Group g && g.getChild("vars") instanceof Group vars
                        && vars.getAttribute("name") != null) {
                        keyOf.put(String.valueOf(vars.getAttribute("name").getData()), g.getName());
                    }
                }
            }
            Weights w = (layer, index, what) -> {
                String key = keyOf.getOrDefault(layer, layer);
                Node n = h5.getByPath("layers/" + key + "/vars/" + index);
                if (!(n instanceof Dataset d)) {
                    throw new IllegalArgumentException(source + ": layer '" + layer + "' has no " + what
                        + " in model.weights.h5 (layers/" + key + "/vars/" + index + ")");
                }
                return d;
            };
            return new KerasImport(source, w).read(json(config, source + "/config.json"));
        } catch (io.jhdf.exceptions.HdfException e) {
            throw new IllegalArgumentException(source + ": cannot read model.weights.h5: " + e.getMessage(), e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** jHDF reads large datasets through a file: the bytes go to a temporary one. */
    private static Path tempCopy(byte[] bytes) throws IOException {
        Path tmp = Files.createTempFile("spark-nn-import-", ".h5");
        Files.write(tmp, bytes);
        return tmp;
    }

    private static Imported readH5(byte[] bytes, String source) throws IOException {
        Path tmp = tempCopy(bytes);
        try (HdfFile h5 = new HdfFile(tmp)) {
            Attribute config = h5.getAttribute("model_config");
            if (config == null) {
                throw new IllegalArgumentException(source + ": an HDF5 file without a 'model_config' attribute (a weights"
                    + " file?); spark-nn imports whole models saved by Keras' model.save(\"….h5\")");
            }
            Weights w = (layer, index, what) -> {
                Node g = h5.getByPath("model_weights/" + layer);
                String[] names = g instanceof Group group && group.getAttribute("weight_names") != null
                    ? strings(group.getAttribute("weight_names").getData()) : new String[0];
                if (index >= names.length) {
                    throw new IllegalArgumentException(source + ": layer '" + layer + "' has no " + what
                        + " in model_weights (it lists " + List.of(names) + ")");
                }
                Node n = h5.getByPath("model_weights/" + layer + "/" + names[index]);
                if (!(n instanceof Dataset d)) {
                    throw new IllegalArgumentException(source + ": model_weights/" + layer + "/" + names[index]
                        + " is not a dataset");
                }
                return d;
            };
            Object data = config.getData();
            String text = data instanceof String s ? s : strings(data)[0];
            return new KerasImport(source, w).read(json(text.getBytes(StandardCharsets.UTF_8), source + " (model_config)"));
        } catch (io.jhdf.exceptions.HdfException e) {
            throw new IllegalArgumentException(source + ": cannot read the HDF5 file: " + e.getMessage(), e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static String[] strings(Object data) {
        if (data instanceof String[] a) {
            return a;
        }
        if (data instanceof String s) {
            return new String[] {s};
        }
        return new String[0]; // an empty list, which h5py stores as an empty float array
    }

    private static JsonNode json(byte[] bytes, String where) {
        try {
            return OnnxExport.JSON.readTree(bytes);
        } catch (IOException e) {
            throw new IllegalArgumentException(where + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    private Imported read(JsonNode model) {
        String cls = model.path("class_name").asText();
        if (!cls.equals("Sequential")) {
            throw new IllegalArgumentException(source + ": the model is a Keras " + (cls.isEmpty() ? "?" : cls)
                + "; spark-nn imports Sequential models");
        }
        JsonNode config = model.path("config");
        JsonNode layers = config.path("layers");
        Shape input = inputShape(config, layers);
        NetworkBuilder b = new NetworkBuilder(input);
        boolean spatial = !input.isFlat();
        Shape flattenedFrom = null;
        int index = 0;
        for (JsonNode layer : layers) {
            index++;
            String type = layer.path("class_name").asText();
            JsonNode c = layer.path("config");
            String name = c.path("name").asText(type.toLowerCase(Locale.ROOT) + "_" + index);
            String where = source + ": layer " + index + " '" + name + "' (" + type + ")";
            switch (type) {
                case "InputLayer" -> {
                }
                case "Rescaling" -> {
                    atInput(b, where);
                    b.inputAffine(values(c.path("scale"), where, "scale"), values(c.path("offset"), where, "offset"), where);
                }
                case "Normalization" -> {
                    atInput(b, where);
                    normalization(b, c, name, where);
                }
                case "Conv2D" -> {
                    channelsLast(c, where);
                    int[] k = pair(c.path("kernel_size"), where, "kernel_size");
                    int stride = stride(c.path("strides"), k, where, false);
                    if (pair(c.path("dilation_rate"), where, "dilation_rate")[0] != 1
                        || pair(c.path("dilation_rate"), where, "dilation_rate")[1] != 1 || c.path("groups").asInt(1) != 1) {
                        throw new IllegalArgumentException(where + ": dilated or grouped convolutions are not supported");
                    }
                    boolean same = padding(c, where, true);
                    int filters = c.path("filters").asInt();
                    int channels = b.shape().channels();
                    float[] kernel = floats(weights.get(name, 0, "kernel"), where, k[0], k[1], channels, filters);
                    float[] bias = useBias(c) ? floats(weights.get(name, 1, "bias"), where, filters) : new float[filters];
                    b.conv(name, filters, k[0], k[1], stride, same, hwcfToFchw(kernel, k[0], k[1], channels, filters), bias);
                    activation(b, c, name, where);
                }
                case "MaxPooling2D" -> {
                    channelsLast(c, where);
                    int[] p = pair(c.path("pool_size"), where, "pool_size");
                    int stride = stride(c.path("strides"), p, where, true);
                    padding(c, where, false);
                    b.maxPool(name, p[0], p[1], stride);
                }
                case "Flatten" -> {
                    channelsLast(c, where);
                    if (spatial && !b.shape().isFlat()) {
                        flattenedFrom = b.shape();
                        b.flatten(name);
                    }
                }
                case "Dense" -> {
                    if (!b.shape().isFlat()) {
                        throw new IllegalArgumentException(where + ": a Dense layer on a " + b.shape() + " input; spark-nn"
                            + " needs a Flatten before it");
                    }
                    int units = c.path("units").asInt();
                    int nIn = b.shape().size();
                    float[] kernel = floats(weights.get(name, 0, "kernel"), where, nIn, units);
                    if (flattenedFrom != null) {
                        kernel = hwcRowsToChw(kernel, flattenedFrom, units);
                        flattenedFrom = null;
                    }
                    float[] bias = useBias(c) ? floats(weights.get(name, 1, "bias"), where, units) : new float[units];
                    b.dense(name, units, kernel, bias);
                    activation(b, c, name, where);
                }
                case "Dropout" -> b.dropout(name, c.path("rate").asDouble());
                case "Activation" -> activation(b, c, name, where);
                case "ReLU" -> {
                    if (!c.path("max_value").isNull() && !c.path("max_value").isMissingNode()
                        || c.path("negative_slope").asDouble(0) != 0 || c.path("threshold").asDouble(0) != 0) {
                        throw new IllegalArgumentException(where + ": a ReLU with max_value, negative_slope or threshold;"
                            + " spark-nn's ReLU is max(x, 0)");
                    }
                    b.activation(name, "relu");
                }
                case "Softmax" -> {
                    JsonNode axis = c.path("axis");
                    if (!b.shape().isFlat() || !(axis.isMissingNode() || axis.asInt(-1) == -1
                        || axis.isArray() && axis.size() == 1 && axis.get(0).asInt() == -1)) {
                        throw new IllegalArgumentException(where + ": spark-nn's softmax is over the last axis of a flat"
                            + " input");
                    }
                    b.activation(name, "softmax");
                }
                default -> throw new IllegalArgumentException(where + ": the layer " + type + " is not supported."
                    + " Supported: " + SUPPORTED);
            }
        }
        return b.build(source, null);
    }

    /** The input shape: channels-last [H, W, C], [H, W] (one channel) or [n]. */
    private Shape inputShape(JsonNode config, JsonNode layers) {
        JsonNode shape = null;
        if (layers.size() > 0) {
            JsonNode first = layers.get(0).path("config");
            shape = first.has("batch_shape") ? first.get("batch_shape") : first.get("batch_input_shape");
        }
        if (shape == null || shape.isNull()) {
            shape = config.get("build_input_shape");
        }
        if (shape == null || shape.isNull() || !shape.isArray()) {
            throw new IllegalArgumentException(source + ": the model does not say its input shape (no InputLayer);"
                + " build it with keras.Input(shape) first");
        }
        int[] d = new int[shape.size() - 1];
        for (int i = 1; i < shape.size(); i++) {
            if (!shape.get(i).canConvertToInt() || shape.get(i).asInt() <= 0) {
                throw new IllegalArgumentException(source + ": the input shape " + shape + " has an unknown dimension;"
                    + " spark-nn needs every dimension but the batch");
            }
            d[i - 1] = shape.get(i).asInt();
        }
        return switch (d.length) {
            case 3 -> new Shape(d[2], d[0], d[1]);
            case 2 -> new Shape(1, d[0], d[1]);
            case 1 -> Shape.flat(d[0]);
            default -> throw new IllegalArgumentException(source + ": the input shape " + shape + " has " + d.length
                + " dimensions per example; spark-nn imports [height, width, channels], [height, width] or [n]");
        };
    }

    private void atInput(NetworkBuilder b, String where) {
        if (b.started()) {
            throw new IllegalArgumentException(where + ": comes after the first layer; spark-nn takes Rescaling and"
                + " Normalization only at the input, as the model's normalization");
        }
    }

    /** Keras' Normalization: {@code (x - mean) / max(sqrt(variance), epsilon)} over the last axis. */
    private void normalization(NetworkBuilder b, JsonNode c, String name, String where) {
        if (c.path("invert").asBoolean(false)) {
            throw new IllegalArgumentException(where + ": an inverting Normalization is not supported");
        }
        JsonNode axis = c.path("axis");
        boolean lastAxis = axis.isArray() ? axis.size() == 1 && axis.get(0).asInt() == -1 : axis.asInt(-1) == -1;
        if (!lastAxis && !(axis.isArray() && axis.size() == 0) && !axis.isNull()) {
            throw new IllegalArgumentException(where + ": normalizes over axis " + axis + "; spark-nn normalizes per"
                + " channel (axis -1, channels last) or over all values");
        }
        double[] mean;
        double[] variance;
        if (!c.path("mean").isNull() && !c.path("mean").isMissingNode()) {
            mean = values(c.path("mean"), where, "mean");
            variance = values(c.path("variance"), where, "variance");
        } else {
            mean = toDouble(floatsAny(weights.get(name, 0, "mean")));
            variance = toDouble(floatsAny(weights.get(name, 1, "variance")));
        }
        if (mean.length != variance.length) {
            throw new IllegalArgumentException(where + ": " + mean.length + " means but " + variance.length + " variances");
        }
        double[] mul = new double[mean.length];
        double[] add = new double[mean.length];
        for (int i = 0; i < mean.length; i++) {
            double d = Math.max(Math.sqrt(variance[i]), KERAS_EPSILON);
            mul[i] = 1.0 / d;
            add[i] = -mean[i] / d;
        }
        b.inputAffine(mul, add, where);
    }

    private void activation(NetworkBuilder b, JsonNode c, String name, String where) {
        JsonNode a = c.path("activation");
        String kind = a.isTextual() ? a.asText() : a.path("config").path("name").asText(a.path("class_name").asText());
        switch (kind) {
            case "linear", "" -> {
            }
            case "relu", "sigmoid", "tanh", "softmax" -> {
                if (kind.equals("softmax") && !b.shape().isFlat()) {
                    throw new IllegalArgumentException(where + ": a softmax over a " + b.shape() + " tensor; spark-nn's"
                        + " softmax is over a flat vector");
                }
                b.activation(name + "_" + kind, kind);
            }
            default -> throw new IllegalArgumentException(where + ": the activation '" + kind + "' is not supported;"
                + " spark-nn has relu, sigmoid, tanh, softmax and linear");
        }
    }

    private static boolean useBias(JsonNode c) {
        return c.path("use_bias").asBoolean(true);
    }

    private static void channelsLast(JsonNode c, String where) {
        String f = c.path("data_format").asText("channels_last");
        if (!f.equals("channels_last") && !f.equals("null")) {
            throw new IllegalArgumentException(where + ": data_format " + f + "; spark-nn imports channels_last models"
                + " (Keras' default)");
        }
    }

    /** Whether the padding is "same" (else "valid"); pooling takes "valid" only. */
    private static boolean padding(JsonNode c, String where, boolean sameAllowed) {
        String p = c.path("padding").asText("valid").toLowerCase(Locale.ROOT);
        if (p.equals("valid")) {
            return false;
        }
        if (p.equals("same") && sameAllowed) {
            return true;
        }
        throw new IllegalArgumentException(where + ": padding '" + p + "'; spark-nn takes " + (sameAllowed
            ? "\"valid\" or \"same\"" : "\"valid\" for pooling"));
    }

    private static int[] pair(JsonNode n, String where, String what) {
        if (n.isInt()) {
            return new int[] {n.asInt(), n.asInt()};
        }
        if (n.isArray() && n.size() == 2) {
            return new int[] {n.get(0).asInt(), n.get(1).asInt()};
        }
        throw new IllegalArgumentException(where + ": " + what + " is " + n + "; expected two sizes");
    }

    private static int stride(JsonNode n, int[] window, String where, boolean defaultsToWindow) {
        int[] s = n.isNull() || n.isMissingNode() ? (defaultsToWindow ? window : new int[] {1, 1}) : pair(n, where, "strides");
        if (s[0] != s[1]) {
            throw new IllegalArgumentException(where + ": strides " + s[0] + "x" + s[1] + "; spark-nn takes one stride for"
                + " both directions");
        }
        return s[0];
    }

    private static double[] values(JsonNode n, String where, String what) {
        if (n.isNumber()) {
            return new double[] {n.asDouble()};
        }
        if (n.isArray()) {
            List<Double> flat = new ArrayList<>();
            flatten(n, flat);
            return flat.stream().mapToDouble(Double::doubleValue).toArray();
        }
        throw new IllegalArgumentException(where + ": " + what + " is " + n + "; expected a number or a list");
    }

    private static void flatten(JsonNode n, List<Double> out) {
        if (n.isArray()) {
            for (JsonNode x : n) {
                flatten(x, out);
            }
        } else {
            out.add(n.asDouble());
        }
    }

    /** A dataset's values, checked against the expected shape. */
    private float[] floats(Dataset d, String where, int... shape) {
        int[] dims = d.getDimensions();
        if (!java.util.Arrays.equals(dims, shape)) {
            throw new IllegalArgumentException(where + ": weight " + d.getPath() + " has shape "
                + java.util.Arrays.toString(dims) + ", expected " + java.util.Arrays.toString(shape));
        }
        return floatsAny(d);
    }

    private float[] floatsAny(Dataset d) {
        Object flat = d.getDataFlat();
        if (flat instanceof float[] f) {
            return f;
        }
        if (flat instanceof double[] v) {
            float[] f = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                f[i] = (float) v[i];
            }
            return f;
        }
        if (flat instanceof Float f) {
            return new float[] {f};
        }
        if (flat instanceof Double v) {
            return new float[] {v.floatValue()};
        }
        throw new IllegalArgumentException(source + ": weight " + d.getPath() + " holds " + d.getJavaType()
            + "; spark-nn imports float32 weights");
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /** A Keras convolution kernel [kh, kw, C, F] as the engine's [F, C, kh, kw]. */
    static float[] hwcfToFchw(float[] k, int kh, int kw, int c, int f) {
        float[] out = new float[k.length];
        for (int y = 0; y < kh; y++) {
            for (int x = 0; x < kw; x++) {
                for (int ci = 0; ci < c; ci++) {
                    for (int fi = 0; fi < f; fi++) {
                        out[((fi * c + ci) * kh + y) * kw + x] = k[((y * kw + x) * c + ci) * f + fi];
                    }
                }
            }
        }
        return out;
    }

    /**
     * The rows of a Dense kernel that follows a Flatten of a channels-last {@code (H, W, C)} tensor,
     * reordered for the engine's channel-height-width flattening.
     */
    static float[] hwcRowsToChw(float[] k, Shape s, int units) {
        int c = s.channels();
        int h = s.height();
        int w = s.width();
        float[] out = new float[k.length];
        for (int ci = 0; ci < c; ci++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int engineRow = (ci * h + y) * w + x;
                    int kerasRow = (y * w + x) * c + ci;
                    System.arraycopy(k, kerasRow * units, out, engineRow * units, units);
                }
            }
        }
        return out;
    }
}
