package org.sparknn.interop;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import onnx.Onnx.AttributeProto;
import onnx.Onnx.GraphProto;
import onnx.Onnx.ModelProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.OperatorSetIdProto;
import onnx.Onnx.StringStringEntryProto;
import onnx.Onnx.TensorProto;
import onnx.Onnx.TensorShapeProto;
import onnx.Onnx.TypeProto;
import onnx.Onnx.ValueInfoProto;
import org.sparknn.nn.io.ModelDirectory;
import org.sparknn.nn.layer.Activation;
import org.sparknn.nn.layer.Conv2D;
import org.sparknn.nn.layer.Dense;
import org.sparknn.nn.layer.Dropout;
import org.sparknn.nn.layer.Flatten;
import org.sparknn.nn.layer.Layer;
import org.sparknn.nn.layer.MaxPool2D;
import org.sparknn.nn.layer.Shape;
import org.sparknn.nn.linalg.Im2col;
import org.sparknn.nn.model.Network;
import org.sparknn.nn.spec.Normalization;

/**
 * A model as an ONNX graph (opset {@value #OPSET}) that takes raw pixels: input {@value #INPUT},
 * float32 {@code [batch, C, H, W]} with values in [0, 255]; output {@value #OUTPUT}, float32
 * {@code [batch, classes]}. The batch dimension is symbolic. The dataset's normalization comes
 * first as a Mul by the scale and, when standardized, a Sub of the per-channel means and a Mul by
 * the inverse standard deviations. Then one node per engine layer: Dense as Gemm ({@code B} is the
 * {@code in x units} kernel, transB 0), Conv2D as Conv with explicit pads (and a Relu when the
 * engine fuses one), MaxPool2D as MaxPool, Flatten as Flatten (channel-height-width order, as the
 * engine's), Dropout as Identity, activations as Relu, Sigmoid, Tanh and Softmax. A network that
 * does not end in a softmax gets one, as scoring gives it. The class names, the normalization and
 * the spark-nn version go into the model's metadata ({@value #CLASS_NAMES}, {@value #NORMALIZATION},
 * {@value #VERSION}).
 */
public final class OnnxExport {
    public static final int OPSET = 17;
    /** The IR version of opset 17 (ONNX 1.12). */
    public static final long IR_VERSION = 8;
    public static final String INPUT = "pixels";
    public static final String OUTPUT = "probabilities";
    public static final String CLASS_NAMES = "class_names";
    public static final String NORMALIZATION = "normalization";
    public static final String VERSION = "spark_nn_version";

    static final ObjectMapper JSON = new ObjectMapper();

    private final List<NodeProto> nodes = new ArrayList<>();
    private final List<TensorProto> initializers = new ArrayList<>();
    private final java.util.Set<String> names = new java.util.HashSet<>();

    private OnnxExport() {
    }

    /**
     * @param model   the model; one fitted on features of unknown normalization cannot take raw pixels and is refused
     * @param where   the model directory, for errors
     * @param name    the graph's name
     * @param version the spark-nn version, recorded in the metadata
     */
    public static ModelProto export(ModelDirectory model, String where, String name, String version) {
        Normalization norm = model.spec().inputNormalization(where);
        return new OnnxExport().build(model, norm, name, version);
    }

    private ModelProto build(ModelDirectory model, Normalization norm, String graphName, String version) {
        Network net = model.network();
        Shape in = net.inputShape();
        String cur = normalization(norm, in);
        int rank = 4;
        List<Layer> layers = net.layers();
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            int off = net.paramOffset(i);
            float[] p = model.params();
            boolean last = i == layers.size() - 1;
            String out = last ? OUTPUT : unique(l.name());
            if (l instanceof Dense d) {
                if (rank == 4) {
                    cur = node("Flatten", l.name() + "_flatten", List.of(cur), unique(l.name() + "_flat"), intAttr("axis", 1));
                    rank = 2;
                }
                int nIn = d.inputShape().size();
                String w = tensor(l.name() + ".weight", p, off, new long[] {nIn, d.units()});
                String b = tensor(l.name() + ".bias", p, off + nIn * d.units(), new long[] {d.units()});
                // Gemm's defaults (alpha = beta = 1, no transposes) compute x W + b with W as the engine stores it.
                cur = node("Gemm", l.name(), List.of(cur, w, b), last ? OUTPUT : out);
            } else if (l instanceof Conv2D c) {
                Im2col g = c.geometry();
                int rows = g.rows();
                String w = tensor(l.name() + ".weight", p, off,
                    new long[] {c.filters(), g.channels(), g.kh(), g.kw()});
                String b = tensor(l.name() + ".bias", p, off + c.filters() * rows, new long[] {c.filters()});
                int padBottom = Math.max((g.outH() - 1) * g.stride() + g.kh() - g.height(), 0) - g.padTop();
                int padRight = Math.max((g.outW() - 1) * g.stride() + g.kw() - g.width(), 0) - g.padLeft();
                String convOut = c.fusedRelu() ? unique(l.name() + "_conv") : out;
                cur = node("Conv", l.name(), List.of(cur, w, b), convOut,
                    intsAttr("kernel_shape", g.kh(), g.kw()), intsAttr("strides", g.stride(), g.stride()),
                    intsAttr("pads", g.padTop(), g.padLeft(), Math.max(padBottom, 0), Math.max(padRight, 0)));
                if (c.fusedRelu()) {
                    cur = node("Relu", l.name() + "_relu", List.of(cur), out);
                }
            } else if (l instanceof MaxPool2D m) {
                cur = node("MaxPool", l.name(), List.of(cur), out, intsAttr("kernel_shape", m.poolHeight(), m.poolWidth()),
                    intsAttr("strides", m.stride(), m.stride()));
            } else if (l instanceof Dropout) {
                cur = node("Identity", l.name(), List.of(cur), out);
            } else if (l instanceof Flatten) {
                cur = node("Flatten", l.name(), List.of(cur), out, intAttr("axis", 1));
                rank = 2;
            } else if (l instanceof Activation a) {
                if (a.kind() == Activation.Kind.SOFTMAX && rank == 4) {
                    // the engine's softmax runs over each example's values: flatten, softmax, shape back
                    Shape s = a.inputShape();
                    String flat = node("Flatten", l.name() + "_flatten", List.of(cur), unique(l.name() + "_flat"),
                        intAttr("axis", 1));
                    String sm = node("Softmax", l.name(), List.of(flat), unique(l.name() + "_softmax"), intAttr("axis", 1));
                    String shape = int64Tensor(l.name() + ".shape", new long[] {-1, s.channels(), s.height(), s.width()});
                    cur = node("Reshape", l.name() + "_reshape", List.of(sm, shape), out);
                } else {
                    cur = node(switch (a.kind()) {
                        case RELU -> "Relu";
                        case SIGMOID -> "Sigmoid";
                        case TANH -> "Tanh";
                        case SOFTMAX -> "Softmax";
                    }, l.name(), List.of(cur), out, a.kind() == Activation.Kind.SOFTMAX
                        ? new AttributeProto[] {intAttr("axis", 1)} : new AttributeProto[0]);
                }
            } else {
                throw new IllegalArgumentException("layer " + (i + 1) + " (" + l + "): no ONNX form for "
                    + l.getClass().getSimpleName());
            }
        }
        if (!net.endsWithSoftmax()) {
            // scoring turns the raw output into probabilities with a softmax over each example's values
            String raw = unique("logits");
            renameLastOutput(raw);
            if (rank == 4) {
                raw = node("Flatten", "output_flatten", List.of(raw), unique("logits_flat"), intAttr("axis", 1));
            }
            node("Softmax", "output_softmax", List.of(raw), OUTPUT, intAttr("axis", 1));
        }
        GraphProto graph = GraphProto.newBuilder()
            .setName(graphName)
            .addAllNode(nodes)
            .addAllInitializer(initializers)
            .addInput(valueInfo(INPUT, in.channels(), in.height(), in.width()))
            .addOutput(valueInfo(OUTPUT, net.outputSize()))
            .build();
        return ModelProto.newBuilder()
            .setIrVersion(IR_VERSION)
            .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
            .setProducerName("spark-nn")
            .setProducerVersion(version)
            .setDocString("A spark-nn model. Input '" + INPUT + "': raw pixel values in [0, 255], float32, NCHW "
                + in.channels() + "x" + in.height() + "x" + in.width() + " per example; output '" + OUTPUT
                + "': class probabilities in the order of the metadata's " + CLASS_NAMES + ".")
            .setGraph(graph)
            .addMetadataProps(prop(CLASS_NAMES, json(model.spec().classNames())))
            .addMetadataProps(prop(NORMALIZATION, json(norm)))
            .addMetadataProps(prop(VERSION, version))
            .build();
    }

    /** The leading nodes that turn raw pixels into the model's inputs; returns the normalized tensor. */
    private String normalization(Normalization norm, Shape in) {
        String cur = node("Mul", "normalize_scale", List.of(INPUT, floatTensor("normalize.scale", new float[] {
            (float) norm.scale()}, new long[0])), unique("scaled"));
        if (norm.standardized()) {
            int c = in.channels();
            if (norm.mean().length != c) {
                throw new IllegalArgumentException("the normalization has statistics for " + norm.mean().length
                    + " channel(s) but the model's input has " + c);
            }
            float[] mean = new float[c];
            float[] inv = new float[c];
            for (int i = 0; i < c; i++) {
                mean[i] = (float) norm.mean()[i];
                inv[i] = (float) (1.0 / norm.std()[i]);
            }
            long[] dims = {1, c, 1, 1};
            cur = node("Sub", "normalize_mean", List.of(cur, floatTensor("normalize.mean", mean, dims)), unique("centred"));
            cur = node("Mul", "normalize_std", List.of(cur, floatTensor("normalize.inv_std", inv, dims)), unique("normalized"));
        }
        return cur;
    }

    private void renameLastOutput(String to) {
        NodeProto last = nodes.remove(nodes.size() - 1);
        nodes.add(last.toBuilder().setOutput(0, to).build());
    }

    private String unique(String base) {
        String n = base;
        for (int k = 2; !names.add(n); k++) {
            n = base + "_" + k;
        }
        return n;
    }

    private String node(String op, String name, List<String> inputs, String output, AttributeProto... attrs) {
        nodes.add(NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(output)
            .addAllAttribute(List.of(attrs)).build());
        return output;
    }

    private String tensor(String name, float[] values, int off, long[] dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(n * 4)).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values, off, (int) n);
        return add(TensorProto.newBuilder().setName(unique(name)).setDataType(TensorProto.DataType.FLOAT_VALUE)
            .addAllDims(boxed(dims)).setRawData(ByteString.copyFrom(buf.array())));
    }

    private String floatTensor(String name, float[] values, long[] dims) {
        return tensor(name, values, 0, dims);
    }

    private String int64Tensor(String name, long[] values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        buf.asLongBuffer().put(values);
        return add(TensorProto.newBuilder().setName(unique(name)).setDataType(TensorProto.DataType.INT64_VALUE)
            .addDims(values.length).setRawData(ByteString.copyFrom(buf.array())));
    }

    private String add(TensorProto.Builder t) {
        TensorProto built = t.build();
        initializers.add(built);
        return built.getName();
    }

    private static List<Long> boxed(long[] dims) {
        List<Long> l = new ArrayList<>();
        for (long d : dims) {
            l.add(d);
        }
        return l;
    }

    private static AttributeProto intAttr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    private static AttributeProto intsAttr(String name, long... v) {
        AttributeProto.Builder b = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) {
            b.addInts(x);
        }
        return b.build();
    }

    /** A float32 tensor value with a symbolic batch dimension and the given fixed ones. */
    private static ValueInfoProto valueInfo(String name, int... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder()
            .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"));
        for (int d : dims) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
            TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
    }

    private static StringStringEntryProto prop(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    private static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getOriginalMessage(), e);
        }
    }
}
