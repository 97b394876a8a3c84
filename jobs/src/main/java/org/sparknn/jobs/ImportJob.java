package org.sparknn.jobs;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.sparknn.dataset.DatasetMetadata;
import org.sparknn.dataset.DatasetSchema;
import org.sparknn.interop.Imported;
import org.sparknn.interop.KerasImport;
import org.sparknn.interop.OnnxImport;
import org.sparknn.io.AppAttempt;
import org.sparknn.io.HadoopFiles;
import org.sparknn.io.SparkJob;
import org.sparknn.nn.io.ModelDirectory;
import org.sparknn.nn.layer.Shape;
import org.sparknn.nn.spec.ModelSpec;
import org.sparknn.nn.spec.Normalization;
import org.sparknn.spark.store.ModelStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Reads a model from another format into a spark-nn model directory. */
@Command(name = "ImportJob", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Reads an ONNX model (.onnx) or a Keras 3 Sequential model (.keras, or legacy .h5 as Keras 3 writes it)",
        "into a spark-nn model directory that TrainJob, ScoreJob and EvaluateJob take. The model must be built",
        "from the layers spark-nn has; anything else is refused with an error naming the node or layer.",
        "Scaling and standardization at the model's input (ONNX Mul/Div/Sub/Add by constants, Keras Rescaling",
        "and Normalization) become the model's normalization; a model without them needs --normalization or",
        "--dataset. A model that ends in raw scores gets a softmax appended (recorded in spec.json).", ""})
public final class ImportJob implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    SparkJob.Verbose verbose;
    @Option(names = "--from", required = true, description = "The model file: .onnx, .keras or .h5.")
    String from;
    @Option(names = "--output", required = true, description = "The model directory to write.")
    String output;
    @Option(names = "--format", defaultValue = "auto",
        description = "onnx, keras or auto (by the file name's extension; default: ${DEFAULT-VALUE}).")
    String format;
    @Option(names = "--class-names", split = ",",
        description = "The class names, comma-separated, in output order (default: the ONNX metadata's, else the"
            + " dataset's with --dataset, else 0, 1, ...).")
    List<String> classNames;
    @Option(names = "--normalization",
        description = "The normalization of the model's inputs as spec.json writes it, e.g. '{\"scale\":0.00392156862745098}'"
            + " or '{\"scale\":0.00392156862745098,\"mean\":[0.1307],\"std\":[0.3081]}', for a model that does not"
            + " normalize its input itself.")
    String normalization;
    @Option(names = "--dataset",
        description = "A spark-nn dataset whose normalization (for a model without its own) and class names to take.")
    String dataset;
    @Option(names = "--input-shape",
        description = "channels,height,width of the examples, for an ONNX graph whose input is [batch, values].")
    String inputShape;
    @Option(names = "--overwrite", description = "Replace an existing model directory.")
    boolean overwrite;

    public static void main(String[] args) {
        SparkJob.main(new ImportJob(), args);
    }

    @Override
    public Integer call() throws Exception {
        String kind = kind();
        Shape shape = shape();
        Normalization norm = givenNormalization();
        return SparkJob.inSession("spark-nn import", spark -> run(spark, System.out, kind, shape, norm));
    }

    public ModelDirectory run(SparkSession spark, PrintStream out) throws IOException {
        return run(spark, out, kind(), shape(), givenNormalization());
    }

    private ModelDirectory run(SparkSession spark, PrintStream out, String kind, Shape shape, Normalization norm)
            throws IOException {
        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        AppAttempt attempt = AppAttempt.of(spark.sparkContext());
        org.sparknn.io.AtomicOutput.checkTarget(files, output, overwrite, attempt);
        Path source = new Path(from);
        byte[] bytes;
        try (InputStream in = files.fs(source).open(source)) {
            bytes = in.readAllBytes();
        }
        Imported imported = kind.equals("onnx") ? OnnxImport.read(bytes, from, shape) : KerasImport.read(bytes, from);
        if (kind.equals("keras") && shape != null) {
            throw new IllegalArgumentException("--input-shape is for ONNX graphs; a Keras model says its input shape");
        }
        List<String> names = classNames;
        Normalization useNorm = norm;
        if (dataset != null) {
            DatasetMetadata meta = DatasetSchema.readMetadata(spark, dataset);
            if (names == null && imported.classNames() == null) {
                names = meta.classNames();
            }
            if (useNorm == null && imported.normalization() == null) {
                useNorm = meta.normalization();
            }
        }
        ModelDirectory model = imported.toModel(from, names, useNorm);
        Map<String, Object> training = new LinkedHashMap<>();
        training.put("importedFrom", from);
        training.put("importedFormat", kind);
        training.put("importedSha256", java.util.HexFormat.of().formatHex(sha256(bytes)));
        training.put("importedAt", Instant.now().toString());
        training.put("softmaxAppended", imported.softmaxAppended());
        training.put("sparkNnVersion", ModelStore.version());
        training.put("gitRevision", ModelStore.gitRevision());
        ModelStore.write(files, output, overwrite, model, training, List.of(), attempt);
        ModelSpec spec = model.spec();
        out.printf("imported %s (%s): %d layers, %d parameters, input %s, classes %s, normalization %s%s%nmodel written to %s%n",
            from, kind, spec.network().layers().size(), model.network().paramCount(), spec.network().input(),
            spec.classNames(), spec.normalization(), imported.softmaxAppended()
                ? "; it ends in raw scores, so a softmax was appended" : "", output);
        return model;
    }

    private String kind() {
        String f = format.toLowerCase(Locale.ROOT);
        if (f.equals("auto")) {
            String name = from.toLowerCase(Locale.ROOT);
            if (name.endsWith(".onnx")) {
                return "onnx";
            }
            if (name.endsWith(".keras") || name.endsWith(".h5") || name.endsWith(".hdf5")) {
                return "keras";
            }
            throw new IllegalArgumentException("--from " + from + ": cannot tell the format from the name (.onnx, .keras"
                + " or .h5); give --format onnx or keras");
        }
        if (!f.equals("onnx") && !f.equals("keras")) {
            throw new IllegalArgumentException("--format must be onnx, keras or auto, got '" + format + "'");
        }
        return f;
    }

    private Shape shape() {
        if (inputShape == null) {
            return null;
        }
        String[] p = inputShape.split(",");
        try {
            if (p.length != 3) {
                throw new NumberFormatException();
            }
            int[] d = Arrays.stream(p).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
            return new Shape(d[0], d[1], d[2]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--input-shape must be channels,height,width (positive integers), got '"
                + inputShape + "'");
        }
    }

    private Normalization givenNormalization() {
        if (normalization == null) {
            return null;
        }
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper()
                .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .readValue(normalization, Normalization.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            Throwable cause = e.getCause() instanceof IllegalArgumentException ? e.getCause() : e;
            throw new IllegalArgumentException("--normalization must be JSON as spec.json writes it, e.g."
                + " {\"scale\":0.00392156862745098,\"mean\":[0.1307],\"std\":[0.3081]}: " + cause.getMessage());
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
