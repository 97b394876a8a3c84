package org.sparknn.jobs;

import java.io.IOException;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import onnx.Onnx.ModelProto;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.sparknn.interop.OnnxExport;
import org.sparknn.io.HadoopFiles;
import org.sparknn.io.SparkJob;
import org.sparknn.nn.io.ModelDirectory;
import org.sparknn.spark.store.ModelStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Writes a model directory in another format: ONNX. */
@Command(name = "ExportJob", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Writes a spark-nn model as an ONNX model (opset " + OnnxExport.OPSET + ") that onnxruntime, SynapseML's",
        "ONNXModel or any ONNX runtime scores. Its input '" + OnnxExport.INPUT + "' takes raw pixel values in",
        "[0, 255] as float32 [batch, channels, height, width] (the model's normalization is inside the graph);",
        "its output '" + OnnxExport.OUTPUT + "' is [batch, classes]. The class names and the spark-nn",
        "version are in the model's metadata (" + OnnxExport.CLASS_NAMES + ", " + OnnxExport.VERSION + ").", ""})
public final class ExportJob implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    SparkJob.Verbose verbose;
    @Option(names = "--model", required = true, description = "Model directory (spec.json, weights.bin).")
    String model;
    @Option(names = "--format", defaultValue = "onnx", description = "Output format: onnx (default: ${DEFAULT-VALUE}).")
    String format;
    @Option(names = "--output", required = true, description = "The file to write (e.g. model.onnx).")
    String output;
    @Option(names = "--overwrite", description = "Replace an existing output file.")
    boolean overwrite;

    public static void main(String[] args) {
        SparkJob.main(new ExportJob(), args);
    }

    @Override
    public Integer call() throws Exception {
        validate();
        return SparkJob.inSession("spark-nn export", spark -> run(spark, System.out));
    }

    void validate() {
        if (!format.equals("onnx")) {
            throw new IllegalArgumentException("--format must be onnx, got '" + format + "'");
        }
    }

    /** Exports the model; returns the ONNX model written. */
    public ModelProto run(SparkSession spark, PrintStream out) throws IOException {
        validate();
        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        Path target = new Path(output);
        if (!overwrite && files.fs(target).exists(target)) {
            throw new IllegalArgumentException(output + " exists; pass --overwrite to replace it");
        }
        ModelDirectory m = ModelStore.read(files, model);
        String name = new Path(model).getName();
        ModelProto onnx = OnnxExport.export(m, model, name, ModelStore.version());
        files.replace(target, onnx.toByteArray());
        out.printf("exported %s (%d parameters, %d classes) as ONNX opset %d to %s%n", model, m.network().paramCount(),
            m.spec().classNames().size(), OnnxExport.OPSET, output);
        return onnx;
    }
}
