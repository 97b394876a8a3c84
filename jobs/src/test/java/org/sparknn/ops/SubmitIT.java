package org.sparknn.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ops/submit without a Spark distribution (an integration test: it needs the packaged jars): the
 * command it builds for each environment, a launcher classpath that can submit to YARN and
 * Kubernetes, Spark's defaults file loaded under the environment's properties, and a clear
 * message before a build.
 */
class SubmitIT {
    static final Path ROOT = RunLocalIT.ROOT;
    static final String JAR_GLOB = "spark-nn-app-";

    record Run(int exitCode, String output) {
    }

    static Run submit(Path script, Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(script.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("SPARK_HOME");
        pb.environment().put("PATH", "/usr/local/bin:/usr/bin:/bin"); // no spark-submit on it
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("ops/submit did not finish:\n" + out);
        }
        return new Run(p.exitValue(), out);
    }

    private static String appJar() throws IOException {
        try (Stream<Path> files = Files.list(ROOT.resolve("jobs/target"))) {
            return files.filter(f -> f.getFileName().toString().startsWith(JAR_GLOB) && f.toString().endsWith(".jar"))
                .findFirst().orElseThrow().toString();
        }
    }

    private static Run dryRun(String env, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(env));
        all.addAll(List.of(args));
        return submit(ROOT.resolve("ops/submit"), Map.of("SPARK_NN_DRY_RUN", "1", "SPARK_NN_MASTER",
            env.equals("k8s") ? "k8s://https://api.example.org:6443" : env.equals("standalone") ? "spark://10.0.0.5:7077"
                : "local[2]"), all.toArray(new String[0]));
    }

    @Test
    void buildsTheCommandOfEachEnvironment() throws Exception {
        String jar = appJar();
        Map<String, String> masters = Map.of("local", "local[2]", "standalone", "spark://10.0.0.5:7077", "yarn", "yarn",
            "k8s", "k8s://https://api.example.org:6443");
        for (Map.Entry<String, String> e : masters.entrySet()) {
            Run r = dryRun(e.getKey(), "train", "--dataset", "hdfs:///data/mnist", "--output", "hdfs:///models/m");
            assertEquals(0, r.exitCode(), r.output());
            String cmd = r.output().lines().filter(l -> l.startsWith("submit: ")).findFirst().orElseThrow();
            assertTrue(cmd.contains(" org.apache.spark.deploy.SparkSubmit --master " + e.getValue().replace("[", "\\[")
                .replace("]", "\\]") + " "), cmd);
            assertTrue(cmd.contains(" --properties-file " + ROOT.resolve("spark-conf/" + e.getKey() + ".properties")
                + " --load-spark-defaults --class org.sparknn.jobs.TrainJob "), cmd);
            assertTrue(cmd.endsWith(jar + " --dataset hdfs:///data/mnist --output hdfs:///models/m "), cmd);
            boolean client = e.getKey().equals("local") || e.getKey().equals("standalone");
            assertEquals(client, cmd.contains(" --deploy-mode client "), cmd);
        }
        String home = Files.readString(ROOT.resolve("ops/launcher/target/spark-classpath.txt"));
        assertTrue(home.contains("spark-yarn_2.13-4.2.0.jar") && home.contains("spark-kubernetes_2.13-4.2.0.jar"), home);
        Path sparkHome = Path.of(new String(new ProcessBuilder(ROOT.resolve("ops/spark-home").toString()).start()
            .getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
        for (String entry : home.strip().split(":")) {
            // the classpath file ends without a newline: its last entry (the f2j jar native BLAS needs) must be linked too
            assertTrue(Files.exists(sparkHome.resolve("jars").resolve(Path.of(entry).getFileName())), entry + " is not in " + sparkHome);
        }
        assertTrue(Files.exists(sparkHome.resolve("jars/spark-yarn_2.13-4.2.0.jar")), "the launcher can submit to YARN");
        assertTrue(Files.exists(sparkHome.resolve("jars/spark-kubernetes_2.13-4.2.0.jar")), "and to Kubernetes");
    }

    @Test
    void sparkSubmitFromTheMavenJarsTakesTheCommand() throws Exception {
        // a real launch: SparkSubmit accepts --load-spark-defaults and runs the job's main
        Run r = submit(ROOT.resolve("ops/submit"), Map.of("SPARK_NN_MASTER", "local[1]"), "local", "score", "--help");
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("Usage: ScoreJob"), r.output());
    }

    @Test
    void aModelTravelsToOnnxAndBackThroughTheApplicationJar(@TempDir Path dir) throws Exception {
        // the shaded jar, with protobuf, the ONNX classes and jHDF relocated
        org.sparknn.nn.spec.NetworkSpec spec = org.sparknn.nn.spec.NetworkSpec.preset("cnn",
            new org.sparknn.nn.layer.Shape(1, 28, 28), 10);
        org.sparknn.nn.model.Network net = org.sparknn.nn.model.Network.build(spec);
        org.sparknn.nn.io.ModelDirectory model = new org.sparknn.nn.io.ModelDirectory(org.sparknn.nn.spec.ModelSpec.of(spec,
            List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
            org.sparknn.nn.spec.Normalization.scaleOnly(1 / 255.0)), net, net.initialParams(3));
        Path m = Files.createDirectories(dir.resolve("model"));
        model.write(new org.sparknn.nn.io.ModelDirectory.Files() {
            @Override
            public java.io.InputStream open(String name) throws IOException {
                return Files.newInputStream(m.resolve(name));
            }

            @Override
            public java.io.OutputStream create(String name) throws IOException {
                return Files.newOutputStream(m.resolve(name));
            }
        });
        Path onnx = dir.resolve("model.onnx");
        Run export = submit(ROOT.resolve("ops/submit"), Map.of("SPARK_NN_MASTER", "local[1]"), "local", "export",
            "--model", m.toString(), "--output", onnx.toString());
        assertEquals(0, export.exitCode(), export.output());
        assertTrue(export.output().contains("as ONNX opset 17 to " + onnx), export.output());
        Path back = dir.resolve("back");
        Run imp = submit(ROOT.resolve("ops/submit"), Map.of("SPARK_NN_MASTER", "local[1]"), "local", "import",
            "--from", onnx.toString(), "--output", back.toString());
        assertEquals(0, imp.exitCode(), imp.output());
        float[] params = org.sparknn.nn.io.FloatArrayFile.read(Files.newInputStream(back.resolve("weights.bin")), "back",
            org.sparknn.nn.io.FloatArrayFile.WEIGHTS, net.paramCount());
        org.junit.jupiter.api.Assertions.assertArrayEquals(model.params(), params);
    }

    @Test
    void saysBuildFirstBeforeABuild(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("ops"));
        Files.copy(ROOT.resolve("ops/submit"), dir.resolve("ops/submit"));
        dir.resolve("ops/submit").toFile().setExecutable(true);
        Files.createDirectories(dir.resolve("spark-conf"));
        Files.copy(ROOT.resolve("spark-conf/yarn.properties"), dir.resolve("spark-conf/yarn.properties"));
        Run r = submit(dir.resolve("ops/submit"), Map.of(), "yarn", "train", "--dataset", "x");
        assertEquals(1, r.exitCode(), r.output());
        assertTrue(r.output().startsWith("submit: build first: mvn -DskipTests package"), r.output());
    }
}
