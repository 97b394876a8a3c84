package org.sparknn.interop;

import com.fasterxml.jackson.core.type.TypeReference;
import com.google.protobuf.InvalidProtocolBufferException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import onnx.Onnx.AttributeProto;
import onnx.Onnx.GraphProto;
import onnx.Onnx.ModelProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.StringStringEntryProto;
import onnx.Onnx.TensorProto;
import onnx.Onnx.TensorShapeProto;
import onnx.Onnx.ValueInfoProto;
import org.sparknn.nn.layer.Shape;

/**
 * Reads an ONNX model whose graph is a chain of the operators the engine has: Gemm, or MatMul then
 * Add; Conv; MaxPool; Relu, Sigmoid, Tanh, Softmax; Flatten, or a Reshape to {@code [batch, -1]};
 * Dropout and Identity (nothing at inference); and Mul, Div, Add, Sub by constants at the input,
 * which become the model's normalization. The input is float {@code [batch, C, H, W]} or
 * {@code [batch, n]}. Conv pads must be none ("valid") or the engine's "same"; MaxPool takes no pads.
 * Anything else is refused with an error that names the node and says what is supported.
 */
public final class OnnxImport {
    static final String SUPPORTED = "Gemm, MatMul+Add, Conv, MaxPool, Relu, Sigmoid, Tanh, Softmax, Flatten, Reshape"
        + " to [batch, -1], Dropout, Identity, and Mul/Div/Add/Sub by constants at the input";

    private final String source;
    private final GraphProto graph;
    private final Map<String, TensorProto> constants = new HashMap<>();
    /** The nodes that read each tensor. */
    private final Map<String, List<NodeProto>> readers = new HashMap<>();

    private OnnxImport(String source, GraphProto graph) {
        this.source = source;
        this.graph = graph;
        for (TensorProto t : graph.getInitializerList()) {
            constants.put(t.getName(), t);
        }
        for (NodeProto n : graph.getNodeList()) {
            if (n.getOpType().equals("Constant")) {
                constants.put(n.getOutput(0), constantValue(n));
                continue;
            }
            for (String in : n.getInputList()) {
                if (!in.isEmpty() && !constants.containsKey(in)) {
                    readers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
                }
            }
        }
    }

    /**
     * @param bytes  the .onnx file's contents
     * @param source the file, for errors
     * @param inputShape the engine input shape for a graph whose input is {@code [batch, n]} (a Flatten is
     *                   put first), or null to take the graph's
     */
    public static Imported read(byte[] bytes, String source, Shape inputShape) {
        ModelProto model;
        try {
            model = ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(source + ": not an ONNX model (" + e.getMessage() + ")", e);
        }
        if (!model.hasGraph() || model.getGraph().getNodeCount() == 0) {
            throw new IllegalArgumentException(source + ": the ONNX model has no graph");
        }
        for (var op : model.getOpsetImportList()) {
            if (!op.getDomain().isEmpty() && !op.getDomain().equals("ai.onnx")) {
                throw new IllegalArgumentException(source + ": the model uses the operator domain '" + op.getDomain()
                    + "'; spark-nn imports the default ONNX domain only");
            }
        }
        return new OnnxImport(source, model.getGraph()).read(metadata(model), inputShape);
    }

    private static Map<String, String> metadata(ModelProto model) {
        Map<String, String> m = new HashMap<>();
        for (StringStringEntryProto p : model.getMetadataPropsList()) {
            m.put(p.getKey(), p.getValue());
        }
        return m;
    }

    private Imported read(Map<String, String> metadata, Shape given) {
        ValueInfoProto input = theInput();
        List<Long> dims = dims(input);
        Shape shape;
        boolean flatInput = dims.size() == 2;
        if (dims.size() == 4) {
            shape = new Shape(dim(dims, 1, input), dim(dims, 2, input), dim(dims, 3, input));
            if (given != null && !given.equals(shape)) {
                throw new IllegalArgumentException(source + ": the graph's input '" + input.getName() + "' is " + shape
                    + " per example, but the input shape given is " + given);
            }
        } else if (flatInput) {
            int n = dim(dims, 1, input);
            shape = given != null ? given : Shape.flat(n);
            if (shape.size() != n) {
                throw new IllegalArgumentException(source + ": the graph's input '" + input.getName() + "' has " + n
                    + " values per example, but the input shape given is " + shape + " (" + shape.size() + ")");
            }
        } else {
            throw new IllegalArgumentException(source + ": the graph's input '" + input.getName() + "' has " + dims.size()
                + " dimensions; spark-nn imports [batch, channels, height, width] or [batch, values]");
        }
        NetworkBuilder b = new NetworkBuilder(shape);
        int rank = dims.size();
        if (flatInput && !shape.isFlat()) {
            b.flatten("input_flatten");
        }
        String cur = input.getName();
        Set<NodeProto> done = new HashSet<>();
        while (true) {
            List<NodeProto> next = readers.getOrDefault(cur, List.of());
            if (next.isEmpty()) {
                break;
            }
            if (next.size() > 1) {
                throw new IllegalArgumentException(source + ": tensor '" + cur + "' feeds " + next.size() + " nodes ("
                    + names(next) + "); spark-nn imports a chain of operators, each read by the next alone");
            }
            NodeProto n = next.get(0);
            if (!done.add(n)) {
                throw new IllegalArgumentException(source + ": " + where(n) + " is reached twice");
            }
            String op = n.getOpType();
            switch (op) {
                case "Mul", "Div", "Add", "Sub" -> {
                    if (b.started()) {
                        throw new IllegalArgumentException(source + ": " + where(n) + " comes after the first layer;"
                            + " spark-nn takes element-wise " + op + " by constants only at the input, as its"
                            + " normalization. Supported: " + SUPPORTED);
                    }
                    inputAffine(n, cur, b, rank);
                }
                case "Gemm" -> {
                    if (rank != 2) {
                        throw new IllegalArgumentException(source + ": " + where(n) + " needs a [batch, n] input; put a"
                            + " Flatten before it");
                    }
                    gemm(n, cur, b);
                }
                case "MatMul" -> {
                    NodeProto add = matMulAdd(n);
                    matMul(n, add, cur, b);
                    done.add(add);
                    n = add;
                }
                case "Conv" -> conv(n, b);
                case "MaxPool" -> maxPool(n, b);
                case "Relu", "Sigmoid", "Tanh" -> b.activation(n.getName(), op.toLowerCase(Locale.ROOT));
                case "Softmax" -> {
                    long axis = intAttr(n, "axis", -1);
                    if (rank != 2 || (axis != -1 && axis != 1)) {
                        throw new IllegalArgumentException(source + ": " + where(n) + " takes the softmax over axis " + axis
                            + " of a " + rank + "-D tensor; spark-nn's softmax is over each example's values of a"
                            + " [batch, n] tensor (axis 1 or -1)");
                    }
                    b.activation(n.getName(), "softmax");
                }
                case "Flatten" -> {
                    long axis = intAttr(n, "axis", 1);
                    if (axis != 1) {
                        throw new IllegalArgumentException(source + ": " + where(n) + " flattens from axis " + axis
                            + "; spark-nn flattens each example (axis 1)");
                    }
                    if (rank != 2) {
                        b.flatten(n.getName());
                    }
                    rank = 2;
                }
                case "Reshape" -> {
                    reshape(n, b);
                    if (rank != 2) {
                        b.flatten(n.getName());
                    }
                    rank = 2;
                }
                case "Dropout", "Identity" -> {
                    // nothing at inference; Dropout's mask output must not be used
                    if (n.getOutputCount() > 1 && !n.getOutput(1).isEmpty() && readers.containsKey(n.getOutput(1))) {
                        throw new IllegalArgumentException(source + ": " + where(n) + "'s mask is used by "
                            + names(readers.get(n.getOutput(1))) + "; spark-nn imports Dropout as the identity");
                    }
                }
                default -> throw new IllegalArgumentException(source + ": " + where(n) + ": the operator " + op
                    + " is not supported. Supported: " + SUPPORTED);
            }
            if (n.getOpType().equals("MaxPool") && n.getOutputCount() > 1 && readers.containsKey(n.getOutput(1))) {
                throw new IllegalArgumentException(source + ": " + where(n) + "'s indices output is used; spark-nn"
                    + " imports MaxPool's values only");
            }
            cur = n.getOutput(0);
        }
        if (graph.getOutputCount() != 1 || !graph.getOutput(0).getName().equals(cur)) {
            throw new IllegalArgumentException(source + ": the chain of supported operators from the input ends at '" + cur
                + "', but the graph's outputs are " + graph.getOutputList().stream().map(ValueInfoProto::getName).toList()
                + "; spark-nn imports a graph with one output at the end of one chain");
        }
        if (done.size() + countConstants() != graph.getNodeCount()) {
            List<String> unused = new ArrayList<>();
            for (NodeProto n : graph.getNodeList()) {
                if (!done.contains(n) && !n.getOpType().equals("Constant")) {
                    unused.add(where(n));
                }
            }
            throw new IllegalArgumentException(source + ": nodes off the chain from input to output: " + unused);
        }
        List<String> classNames = null;
        if (metadata.containsKey(OnnxExport.CLASS_NAMES)) {
            try {
                classNames = OnnxExport.JSON.readValue(metadata.get(OnnxExport.CLASS_NAMES), new TypeReference<List<String>>() {
                });
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalArgumentException(source + ": the metadata's " + OnnxExport.CLASS_NAMES
                    + " is not a JSON list of strings: " + e.getOriginalMessage(), e);
            }
        }
        return b.build(source, classNames);
    }

    private long countConstants() {
        return graph.getNodeList().stream().filter(n -> n.getOpType().equals("Constant")).count();
    }

    private ValueInfoProto theInput() {
        List<ValueInfoProto> inputs = new ArrayList<>();
        for (ValueInfoProto v : graph.getInputList()) {
            if (!constants.containsKey(v.getName())) {
                inputs.add(v);
            }
        }
        if (inputs.size() != 1) {
            throw new IllegalArgumentException(source + ": the graph has " + inputs.size() + " inputs that are not"
                + " initializers (" + inputs.stream().map(ValueInfoProto::getName).toList() + "); spark-nn imports a graph"
                + " with one input");
        }
        ValueInfoProto in = inputs.get(0);
        if (in.getType().getTensorType().getElemType() != TensorProto.DataType.FLOAT_VALUE) {
            throw new IllegalArgumentException(source + ": the graph's input '" + in.getName() + "' has element type "
                + in.getType().getTensorType().getElemType() + "; spark-nn imports float32 inputs");
        }
        return in;
    }

    private static List<Long> dims(ValueInfoProto v) {
        List<Long> d = new ArrayList<>();
        for (TensorShapeProto.Dimension dim : v.getType().getTensorType().getShape().getDimList()) {
            d.add(dim.hasDimValue() ? dim.getDimValue() : -1L);
        }
        return d;
    }

    private int dim(List<Long> dims, int i, ValueInfoProto v) {
        long d = dims.get(i);
        if (d <= 0) {
            throw new IllegalArgumentException(source + ": dimension " + i + " of the graph's input '" + v.getName()
                + "' is not fixed; spark-nn needs every dimension but the batch");
        }
        return Math.toIntExact(d);
    }

    /** Mul, Div, Add or Sub of the current tensor by a constant, folded into the input transform. */
    private void inputAffine(NodeProto n, String cur, NetworkBuilder b, int rank) {
        boolean curFirst = n.getInput(0).equals(cur);
        String other = curFirst ? n.getInput(1) : n.getInput(0);
        TensorProto t = constants.get(other);
        if (t == null) {
            throw new IllegalArgumentException(source + ": " + where(n) + " takes '" + other + "', which is not a"
                + " constant; spark-nn takes element-wise operators only by constants, at the input");
        }
        double[] v = perChannel(n, t, rank, b.shape().channels());
        double[] one = {1.0};
        double[] zero = {0.0};
        switch (n.getOpType()) {
            case "Mul" -> b.inputAffine(v, zero, where(n));
            case "Add" -> b.inputAffine(one, v, where(n));
            case "Div" -> {
                if (!curFirst) {
                    throw new IllegalArgumentException(source + ": " + where(n) + " divides a constant by the input;"
                        + " spark-nn takes the input divided by a constant");
                }
                double[] inv = new double[v.length];
                for (int i = 0; i < v.length; i++) {
                    inv[i] = 1.0 / v[i];
                }
                b.inputAffine(inv, zero, where(n));
            }
            case "Sub" -> {
                double[] neg = new double[v.length];
                for (int i = 0; i < v.length; i++) {
                    neg[i] = -v[i];
                }
                // x - c, or c - x = -x + c
                if (curFirst) {
                    b.inputAffine(one, neg, where(n));
                } else {
                    b.inputAffine(new double[] {-1.0}, v, where(n));
                }
            }
            default -> throw new IllegalStateException(n.getOpType());
        }
    }

    /** A scalar, or one value per channel shaped [C], [C, 1, 1] or [1, C, 1, 1]. */
    private double[] perChannel(NodeProto n, TensorProto t, int rank, int channels) {
        float[] f = floats(t, where(n));
        if (f.length == 1) {
            return new double[] {f[0]};
        }
        List<Long> d = t.getDimsList();
        long nonUnit = d.stream().filter(x -> x != 1).count();
        boolean channelAxis = rank == 4 && f.length == channels && nonUnit == 1
            && (d.size() == 3 && d.get(0) == channels || d.size() == 4 && d.get(1) == channels);
        if (!channelAxis) {
            throw new IllegalArgumentException(source + ": " + where(n) + " uses a constant of shape " + d + "; spark-nn"
                + " normalizes by a scalar or one value per channel ([C, 1, 1] or [1, C, 1, 1] on a 4-D input)");
        }
        double[] v = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            v[i] = f[i];
        }
        return v;
    }

    private void gemm(NodeProto n, String cur, NetworkBuilder b) {
        if (!n.getInput(0).equals(cur)) {
            throw new IllegalArgumentException(source + ": " + where(n) + " takes the data as its B; spark-nn takes it as A");
        }
        if (intAttr(n, "transA", 0) != 0) {
            throw new IllegalArgumentException(source + ": " + where(n) + " has transA=1; spark-nn imports transA=0");
        }
        float alpha = floatAttr(n, "alpha", 1f);
        float beta = floatAttr(n, "beta", 1f);
        boolean transB = intAttr(n, "transB", 0) != 0;
        TensorProto bt = constant(n, 1, "B");
        if (bt.getDimsCount() != 2) {
            throw new IllegalArgumentException(source + ": " + where(n) + "'s B has shape " + bt.getDimsList()
                + "; expected 2 dimensions");
        }
        int nIn = Math.toIntExact(bt.getDims(transB ? 1 : 0));
        int units = Math.toIntExact(bt.getDims(transB ? 0 : 1));
        float[] w = floats(bt, where(n));
        float[] kernel = transB ? transpose(w, units, nIn) : w;
        if (alpha != 1f) {
            for (int i = 0; i < kernel.length; i++) {
                kernel[i] *= alpha;
            }
        }
        float[] bias = new float[units];
        if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
            float[] c = floats(constant(n, 2, "C"), where(n));
            if (c.length == 1) {
                java.util.Arrays.fill(bias, c[0] * beta);
            } else if (c.length == units) {
                for (int j = 0; j < units; j++) {
                    bias[j] = c[j] * beta;
                }
            } else {
                throw new IllegalArgumentException(source + ": " + where(n) + "'s C has " + c.length + " values; spark-nn"
                    + " takes a bias of one value per output (" + units + ")");
            }
        }
        dense(n, nIn, units, kernel, bias, b);
    }

    /** The Add that follows a MatMul as its bias. */
    private NodeProto matMulAdd(NodeProto mm) {
        List<NodeProto> next = readers.getOrDefault(mm.getOutput(0), List.of());
        if (next.size() != 1 || !next.get(0).getOpType().equals("Add")) {
            throw new IllegalArgumentException(source + ": " + where(mm) + " is not followed by an Add of its bias alone;"
                + " spark-nn imports MatMul+Add (or Gemm)");
        }
        return next.get(0);
    }

    private void matMul(NodeProto mm, NodeProto add, String cur, NetworkBuilder b) {
        if (!mm.getInput(0).equals(cur)) {
            throw new IllegalArgumentException(source + ": " + where(mm) + " takes the data as its second operand;"
                + " spark-nn takes x W");
        }
        TensorProto wt = constant(mm, 1, "B");
        if (wt.getDimsCount() != 2) {
            throw new IllegalArgumentException(source + ": " + where(mm) + "'s weight has shape " + wt.getDimsList()
                + "; expected [in, units]");
        }
        int nIn = Math.toIntExact(wt.getDims(0));
        int units = Math.toIntExact(wt.getDims(1));
        String biasName = add.getInput(0).equals(mm.getOutput(0)) ? add.getInput(1) : add.getInput(0);
        TensorProto bt = constants.get(biasName);
        if (bt == null) {
            throw new IllegalArgumentException(source + ": " + where(add) + " adds '" + biasName + "', which is not a"
                + " constant bias");
        }
        float[] bias = floats(bt, where(add));
        if (bias.length != units) {
            throw new IllegalArgumentException(source + ": " + where(add) + "'s bias has " + bias.length
                + " values, expected " + units);
        }
        dense(mm, nIn, units, floats(wt, where(mm)), bias, b);
    }

    private void dense(NodeProto n, int nIn, int units, float[] kernel, float[] bias, NetworkBuilder b) {
        if (b.shape().size() != nIn) {
            throw new IllegalArgumentException(source + ": " + where(n) + " takes " + nIn + " inputs, but its input has "
                + b.shape().size() + " values per example");
        }
        if (!b.shape().isFlat()) {
            b.flatten(n.getName() + "_flatten");
        }
        b.dense(n.getName(), units, kernel, bias);
    }

    private void conv(NodeProto n, NetworkBuilder b) {
        TensorProto wt = constant(n, 1, "W");
        if (wt.getDimsCount() != 4) {
            throw new IllegalArgumentException(source + ": " + where(n) + "'s W has shape " + wt.getDimsList()
                + "; spark-nn imports 2-D convolutions, W [filters, channels, kh, kw]");
        }
        int filters = Math.toIntExact(wt.getDims(0));
        int kh = Math.toIntExact(wt.getDims(2));
        int kw = Math.toIntExact(wt.getDims(3));
        if (intAttr(n, "group", 1) != 1) {
            throw new IllegalArgumentException(source + ": " + where(n) + " is a grouped convolution; spark-nn has group=1");
        }
        if (wt.getDims(1) != b.shape().channels()) {
            throw new IllegalArgumentException(source + ": " + where(n) + "'s W takes " + wt.getDims(1)
                + " channels but its input " + b.shape() + " has " + b.shape().channels());
        }
        ones(n, "dilations");
        int stride = squareStride(n);
        boolean same = pads(n, b, kh, kw, stride);
        float[] bias = new float[filters];
        if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
            bias = floats(constant(n, 2, "B"), where(n));
        }
        b.conv(n.getName(), filters, kh, kw, stride, same, floats(wt, where(n)), bias);
    }

    /** Whether the pads are the engine's "same" (else none, else an error). */
    private boolean pads(NodeProto n, NetworkBuilder b, int kh, int kw, int stride) {
        String auto = stringAttr(n, "auto_pad", "NOTSET");
        int[] same = b.samePads(kh, kw, stride);
        switch (auto) {
            case "VALID":
                return false;
            case "SAME_UPPER":
                return true;
            case "SAME_LOWER":
                if (same[0] == same[2] && same[1] == same[3]) {
                    return true;
                }
                throw new IllegalArgumentException(source + ": " + where(n) + " pads SAME_LOWER, which here puts the odd"
                    + " pad on top; spark-nn pads as SAME_UPPER");
            case "NOTSET":
                break;
            default:
                throw new IllegalArgumentException(source + ": " + where(n) + " has auto_pad '" + auto + "'");
        }
        List<Long> pads = ints(n, "pads");
        if (pads.isEmpty() || pads.stream().allMatch(p -> p == 0)) {
            return false;
        }
        if (pads.size() == 4 && pads.get(0) == same[0] && pads.get(1) == same[1] && pads.get(2) == same[2]
            && pads.get(3) == same[3]) {
            return true;
        }
        throw new IllegalArgumentException(source + ": " + where(n) + " has pads " + pads + " (top, left, bottom, right);"
            + " spark-nn pads none (valid) or as \"same\", which here is " + java.util.Arrays.toString(same));
    }

    private void maxPool(NodeProto n, NetworkBuilder b) {
        List<Long> k = ints(n, "kernel_shape");
        if (k.size() != 2) {
            throw new IllegalArgumentException(source + ": " + where(n) + " has kernel_shape " + k + "; expected 2-D");
        }
        ones(n, "dilations");
        if (ints(n, "pads").stream().anyMatch(p -> p != 0) || !stringAttr(n, "auto_pad", "NOTSET").matches("NOTSET|VALID")) {
            throw new IllegalArgumentException(source + ": " + where(n) + " pads its input; spark-nn's max pooling has no"
                + " padding");
        }
        if (intAttr(n, "storage_order", 0) != 0) {
            throw new IllegalArgumentException(source + ": " + where(n) + " has storage_order 1");
        }
        int ph = Math.toIntExact(k.get(0));
        int pw = Math.toIntExact(k.get(1));
        int stride = ints(n, "strides").isEmpty() ? 1 : squareStride(n);
        if (intAttr(n, "ceil_mode", 0) != 0) {
            Shape s = b.shape();
            if ((s.height() - ph) % stride != 0 || (s.width() - pw) % stride != 0) {
                throw new IllegalArgumentException(source + ": " + where(n) + " rounds its output size up (ceil_mode=1)"
                    + " on an input " + s + " where that adds a partial window; spark-nn rounds down");
            }
        }
        b.maxPool(n.getName(), ph, pw, stride);
    }

    private void reshape(NodeProto n, NetworkBuilder b) {
        TensorProto shape = constant(n, 1, "shape");
        long[] s = longs(shape, where(n));
        int size = b.shape().size();
        boolean flat = s.length == 2 && (s[0] == 0 || s[0] == -1) && (s[1] == -1 || s[1] == size) && s[0] + s[1] != -2;
        if (!flat) {
            throw new IllegalArgumentException(source + ": " + where(n) + " reshapes to " + java.util.Arrays.toString(s)
                + "; spark-nn imports a Reshape that flattens each example ([0, -1], [-1, " + size + "] or [0, " + size
                + "])");
        }
    }

    private int squareStride(NodeProto n) {
        List<Long> s = ints(n, "strides");
        if (s.isEmpty()) {
            return 1;
        }
        if (s.size() != 2 || !s.get(0).equals(s.get(1))) {
            throw new IllegalArgumentException(source + ": " + where(n) + " has strides " + s + "; spark-nn takes one"
                + " stride for both directions");
        }
        return Math.toIntExact(s.get(0));
    }

    private void ones(NodeProto n, String attr) {
        if (ints(n, attr).stream().anyMatch(d -> d != 1)) {
            throw new IllegalArgumentException(source + ": " + where(n) + " has " + attr + " " + ints(n, attr)
                + "; spark-nn has none (all 1)");
        }
    }

    private TensorProto constant(NodeProto n, int input, String what) {
        if (n.getInputCount() <= input || !constants.containsKey(n.getInput(input))) {
            throw new IllegalArgumentException(source + ": " + where(n) + "'s " + what + " is not a constant (an"
                + " initializer or a Constant node)");
        }
        return constants.get(n.getInput(input));
    }

    private TensorProto constantValue(NodeProto n) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals("value") && a.hasT()) {
                return a.getT();
            }
        }
        throw new IllegalArgumentException(source + ": " + where(n) + " is a Constant without a tensor 'value'");
    }

    private static String where(NodeProto n) {
        return "node '" + n.getName() + "' (" + n.getOpType() + ")";
    }

    private static List<String> names(List<NodeProto> nodes) {
        return nodes.stream().map(OnnxImport::where).toList();
    }

    private static long intAttr(NodeProto n, String name, long dflt) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getI();
            }
        }
        return dflt;
    }

    private static float floatAttr(NodeProto n, String name, float dflt) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getF();
            }
        }
        return dflt;
    }

    private static String stringAttr(NodeProto n, String name, String dflt) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getS().toStringUtf8();
            }
        }
        return dflt;
    }

    private static List<Long> ints(NodeProto n, String name) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getIntsList();
            }
        }
        return List.of();
    }

    /** A float tensor's values, from raw_data (little-endian) or float_data. */
    private float[] floats(TensorProto t, String where) {
        if (t.getDataType() != TensorProto.DataType.FLOAT_VALUE) {
            throw new IllegalArgumentException(source + ": " + where + ": tensor '" + t.getName() + "' has data type "
                + t.getDataType() + "; spark-nn imports float32 weights");
        }
        if (t.hasDataLocation() && t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            throw new IllegalArgumentException(source + ": " + where + ": tensor '" + t.getName() + "' is stored in an"
                + " external file; save the model with its weights inside");
        }
        long n = 1;
        for (long d : t.getDimsList()) {
            n *= d;
        }
        float[] v;
        if (t.hasRawData()) {
            ByteBuffer buf = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            v = new float[buf.remaining() / 4];
            buf.asFloatBuffer().get(v);
        } else {
            v = new float[t.getFloatDataCount()];
            for (int i = 0; i < v.length; i++) {
                v[i] = t.getFloatData(i);
            }
        }
        if (v.length != n) {
            throw new IllegalArgumentException(source + ": " + where + ": tensor '" + t.getName() + "' has " + v.length
                + " values for the shape " + t.getDimsList());
        }
        return v;
    }

    private long[] longs(TensorProto t, String where) {
        if (t.getDataType() != TensorProto.DataType.INT64_VALUE) {
            throw new IllegalArgumentException(source + ": " + where + ": tensor '" + t.getName() + "' is not int64");
        }
        if (t.hasRawData()) {
            ByteBuffer buf = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            long[] v = new long[buf.remaining() / 8];
            buf.asLongBuffer().get(v);
            return v;
        }
        return t.getInt64DataList().stream().mapToLong(Long::longValue).toArray();
    }

    /** {@code rows x cols} row-major to {@code cols x rows}. */
    static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = a[r * cols + c];
            }
        }
        return t;
    }
}
