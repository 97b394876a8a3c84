package org.sparknn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import onnx.Onnx.ModelProto;
import onnx.Onnx.StringStringEntryProto;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparknn.interop.Imported;
import org.sparknn.interop.OnnxExport;
import org.sparknn.nn.io.ModelDirectory;
import org.sparknn.testing.TestData;
import org.sparknn.testing.TestSpark;
import picocli.CommandLine;

/**
 * Models checked by the other side's own runtime. A Python script (run in the test environment
 * that ci/setup creates, .venv) builds the four seed architectures with random weights in Keras 3
 * (saved as .keras and .h5) and as ONNX graphs in PyTorch's layouts, and records their
 * probabilities on the MNIST test subset from Keras and from onnxruntime. Here they are imported
 * and scored by ScoreJob; and models trained here are exported and run in onnxruntime.
 */
class ModelsTravelTest {
    static final List<String> ARCHS = List.of("mlp", "mlp2", "cnn", "cnn3");
    static final double TOLERANCE = 1e-5;
    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());
    private static Path refs;
    private static Path work;

    @BeforeAll
    static void referenceModels() throws IOException, InterruptedException {
        work = JobFixtures.newDir("travel");
        refs = work.resolve("reference");
        Path script = Path.of("src/test/python/reference_models.py").toAbsolutePath();
        Process p = new ProcessBuilder(python().toString(), script.toString(), TestData.path(TestData.TEST_IMAGES),
            refs.toString()).redirectErrorStream(true).start();
        byte[] log = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "reference_models.py did not finish");
        assertEquals(0, p.exitValue(), "reference_models.py failed:\n" + new String(log, StandardCharsets.UTF_8));
    }

    /** The test environment's Python, .venv at the checkout's root (ci/setup makes it). */
    static Path python() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path py = d.resolve(".venv/bin/python");
            if (Files.isExecutable(py)) {
                return py;
            }
            if (Files.exists(d.resolve("ci/setup"))) {
                break;
            }
        }
        throw new IllegalStateException("no .venv/bin/python at the checkout's root: run ci/setup, which creates the"
            + " Python test environment (onnx, onnxruntime, Keras)");
    }

    @Test
    void kerasModelsImportedScoreAsKerasPredicts() throws IOException {
        for (String arch : ARCHS) {
            float[][] expected = probs(refs.resolve("keras-" + arch + ".probs"));
            for (String ext : List.of("keras", "h5")) {
                String model = importModel("keras-" + arch + "." + ext);
                assertClose(expected, scoreTestImages(model), arch + "." + ext);
            }
        }
    }

    @Test
    void onnxGraphsImportedScoreAsOnnxRuntime() throws IOException {
        String norm = Files.readString(refs.resolve("normalization.json"));
        for (String arch : ARCHS) {
            // mlp's graph divides by 255 itself; the others take standardized input, given here
            String model = arch.equals("mlp") ? importModel("onnx-mlp.onnx")
                : importModel("onnx-" + arch + ".onnx", "--normalization", norm, "--class-names", "0,1,2,3,4,5,6,7,8,9");
            assertClose(probs(refs.resolve("onnx-" + arch + ".probs")), scoreTestImages(model), "onnx " + arch);
        }
    }

    @Test
    void trainedPresetsExportedRunInOnnxRuntimeAsScoreJobScores() throws Exception {
        for (String preset : ARCHS) {
            String model = work.resolve("trained-" + preset).toString();
            TrainJob train = new TrainJob();
            new CommandLine(train).parseArgs("--dataset", JobFixtures.dataset(), "--output", model, "--model", preset,
                "--epochs", "1", "--batch-size", "256", "--partitions", "2", "--log-every", "0");
            train.run(TestSpark.session());
            Path onnx = work.resolve(preset + ".onnx");
            ModelProto exported = export(model, onnx);
            Map<String, String> meta = new java.util.HashMap<>();
            for (StringStringEntryProto e : exported.getMetadataPropsList()) {
                meta.put(e.getKey(), e.getValue());
            }
            assertEquals("[\"0\",\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\"]", meta.get(OnnxExport.CLASS_NAMES));
            assertTrue(meta.get(OnnxExport.VERSION).startsWith("0.1.0"), meta.get(OnnxExport.VERSION));
            assertEquals(OnnxExport.OPSET, exported.getOpsetImport(0).getVersion());
            float[][] scored = scoreTestImages(model);
            assertClose(java.util.Arrays.copyOf(scored, 256), onnxRuntime(onnx, 256), preset + " exported");
        }
    }

    @Test
    void kerasToSparkNnToOnnxAgreesWithKeras() throws Exception {
        for (String arch : List.of("cnn", "mlp2")) {
            String model = importModel("keras-" + arch + ".keras");
            Path onnx = work.resolve("roundtrip-" + arch + ".onnx");
            export(model, onnx);
            float[][] keras = probs(refs.resolve("keras-" + arch + ".probs"));
            assertClose(keras, onnxRuntime(onnx, keras.length), "keras " + arch + " -> spark-nn -> onnx");
        }
    }

    @Test
    void importRecordsTheAppendedSoftmaxAndTheSource() throws IOException {
        String model = importModel("keras-mlp2.h5");
        ModelDirectory m = org.sparknn.spark.store.ModelStore.read(
            new org.sparknn.io.HadoopFiles(TestSpark.session().sparkContext().hadoopConfiguration()), model);
        var layers = m.spec().network().layers();
        assertEquals(Imported.APPENDED_SOFTMAX, layers.get(layers.size() - 1).name());
        assertEquals("softmax", layers.get(layers.size() - 1).activation());
        // Rescaling(1/255) then Normalization(0.1307, 0.3081^2) is the dataset normalization of MNIST
        assertEquals(1 / 255.0, m.spec().normalization().scale(), 1e-12);
        assertEquals(0.1307, m.spec().normalization().mean()[0], 1e-6);
        assertEquals(0.3081, m.spec().normalization().std()[0], 1e-6);
        String training = Files.readString(Path.of(model, "training.json"));
        assertTrue(training.contains("\"softmaxAppended\" : true") && training.contains("keras-mlp2.h5"), training);
    }

    @Test
    void aKerasLayerTheEngineLacksIsRefusedNamingIt() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
            () -> importModel("keras-unsupported.keras"));
        assertTrue(e.getMessage().contains("layer 4 'bn' (BatchNormalization): the layer BatchNormalization is not"
            + " supported. Supported: InputLayer"), e.getMessage());
    }

    private static String importModel(String file, String... extra) throws IOException {
        String out = work.resolve("imported-" + file.replace('.', '-') + "-" + System.nanoTime()).toString();
        ImportJob job = new ImportJob();
        new CommandLine(job).parseArgs(JobFixtures.concat(new String[] {"--from", refs.resolve(file).toString(),
            "--output", out}, extra));
        job.run(TestSpark.session(), QUIET);
        return out;
    }

    private static ModelProto export(String model, Path onnx) throws IOException {
        ExportJob job = new ExportJob();
        new CommandLine(job).parseArgs("--model", model, "--output", onnx.toString());
        return job.run(TestSpark.session(), QUIET);
    }

    /** ScoreJob's probabilities for the MNIST test subset, in file order. */
    static float[][] scoreTestImages(String model) throws IOException {
        String out = work.resolve("scores-" + System.nanoTime()).toString();
        ScoreJob job = new ScoreJob();
        new CommandLine(job).parseArgs("--model", model, "--format", "idx", "--input", TestData.path(TestData.TEST_IMAGES),
            "--output", out);
        job.run(TestSpark.session(), QUIET);
        float[][] p = new float[TestData.TEST_ROWS][];
        for (Row r : TestSpark.session().read().parquet(out).select("id", "probability").collectAsList()) {
            String id = r.getString(0);
            int i = Integer.parseInt(id.substring(id.lastIndexOf('-') + 1));
            List<Float> v = r.getList(1);
            p[i] = new float[v.size()];
            for (int c = 0; c < v.size(); c++) {
                p[i][c] = v.get(c);
            }
        }
        return p;
    }

    /** onnxruntime's output for the first {@code n} test images as raw pixels, NCHW float32. */
    static float[][] onnxRuntime(Path model, int n) throws IOException, OrtException {
        float[] pixels = new float[n * 784];
        try (InputStream in = new GZIPInputStream(Files.newInputStream(Path.of(TestData.path(TestData.TEST_IMAGES))))) {
            in.readNBytes(16);
            byte[] b = in.readNBytes(n * 784);
            for (int i = 0; i < b.length; i++) {
                pixels[i] = b[i] & 0xff;
            }
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(Files.readAllBytes(model), new OrtSession.SessionOptions());
             OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), new long[] {n, 1, 28, 28});
             OrtSession.Result r = s.run(Map.of(OnnxExport.INPUT, x))) {
            return (float[][]) r.get(OnnxExport.OUTPUT).orElseThrow().getValue();
        }
    }

    static float[][] probs(Path file) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int rows = buf.remaining() / 40;
        float[][] p = new float[rows][10];
        for (float[] row : p) {
            buf.asFloatBuffer().get(row);
            buf.position(buf.position() + 40);
        }
        return p;
    }

    static void assertClose(float[][] expected, float[][] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": rows");
        double worst = 0;
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i].length, actual[i].length, what + ": classes of row " + i);
            for (int c = 0; c < expected[i].length; c++) {
                double d = Math.abs(expected[i][c] - actual[i][c]);
                worst = Math.max(worst, d);
                if (d > TOLERANCE && bad.size() < 5) {
                    bad.add("row " + i + " class " + c + ": " + expected[i][c] + " vs " + actual[i][c]);
                }
            }
        }
        assertTrue(bad.isEmpty(), what + ": probabilities differ by up to " + worst + ": " + bad);
        // the probabilities are not degenerate: a check that all rows are equal would pass otherwise
        assertTrue(Math.abs(expected[0][0] - expected[1][0]) + Math.abs(expected[0][1] - expected[2][1]) > 1e-4,
            what + ": reference probabilities do not vary between images");
    }
}
