package org.sparknn.spark.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparknn.io.AppAttempt;
import org.sparknn.io.AtomicOutput;
import org.sparknn.io.HadoopFiles;
import org.sparknn.nn.io.ModelDirectory;
import org.sparknn.nn.linalg.Blas;
import org.sparknn.spark.train.Checkpoints;
import org.sparknn.spark.train.EpochMetrics;

/**
 * Model directories on any Hadoop file system. Written atomically: {@code spec.json},
 * {@code weights.bin}, {@code training.json} (configuration, metrics history, environment) and
 * {@code metrics.csv} appear together or not at all.
 */
public final class ModelStore {
    public static final String TRAINING = "training.json";
    public static final String METRICS = "metrics.csv";
    /** Written by EvaluateJob next to the model. */
    public static final String EVALUATION = "evaluation.json";

    private ModelStore() {
    }

    /**
     * @param training what training.json holds (any JSON-serializable map)
     * @param history  the per-epoch metrics, also written as CSV
     * @param writer   the application attempt that trains (recorded in the directory)
     */
    public static void write(HadoopFiles files, String dir, boolean overwrite, ModelDirectory model,
                             Map<String, Object> training, List<EpochMetrics> history, AppAttempt writer)
            throws IOException {
        try (AtomicOutput out = new AtomicOutput(files, dir, overwrite, writer, System.out)) {
            FileSystem fs = files.fs(new Path(dir));
            model.write(new ModelDirectory.Files() {
                @Override
                public InputStream open(String name) throws IOException {
                    return fs.open(out.staging(name));
                }

                @Override
                public OutputStream create(String name) throws IOException {
                    return fs.create(out.staging(name), false);
                }
            });
            files.writeString(out.staging(TRAINING), Checkpoints.JSON.writeValueAsString(training));
            StringBuilder csv = new StringBuilder(EpochMetrics.CSV_HEADER).append('\n');
            for (EpochMetrics m : history) {
                csv.append(m.csv()).append('\n');
            }
            files.writeString(out.staging(METRICS), csv.toString());
            out.publish();
        }
    }

    public static ModelDirectory read(HadoopFiles files, String dir) throws IOException {
        Path root = new Path(dir);
        FileSystem fs = files.fs(root);
        if (!fs.exists(new Path(root, ModelDirectory.SPEC))) {
            throw new IllegalArgumentException(dir + ": not a spark-nn model directory (" + ModelDirectory.SPEC + " is missing)");
        }
        return ModelDirectory.read(new ModelDirectory.Files() {
            @Override
            public InputStream open(String name) throws IOException {
                return fs.open(new Path(root, name));
            }

            @Override
            public OutputStream create(String name) {
                throw new UnsupportedOperationException("read-only");
            }
        }, dir, Blas.get());
    }

    /** SHA-256 (hex) of the model directory's weights file: the model's identity in scores and evaluations. */
    public static String weightsSha256(HadoopFiles files, String dir) throws IOException {
        Path path = new Path(dir, ModelDirectory.WEIGHTS);
        try (InputStream in = files.fs(path).open(path)) {
            java.security.MessageDigest d = java.security.MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                d.update(buf, 0, n);
            }
            return java.util.HexFormat.of().formatHex(d.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** Indented JSON of a summary or report object (maps, lists, records). */
    public static String json(Object value) {
        try {
            return Checkpoints.JSON.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** The spark-nn version the application was built as, with its git revision: "0.1.0+abc123…". */
    public static String version() {
        String v = ModelStore.class.getPackage().getImplementationVersion();
        try (InputStream in = ModelStore.class.getResourceAsStream("/spark-nn-version.txt")) {
            if (in != null) {
                v = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            }
        } catch (IOException e) {
            // the revision alone
        }
        return (v == null ? "unknown" : v) + "+" + gitRevision();
    }

    /** The git revision the application was built from, or "unknown". */
    public static String gitRevision() {
        try (InputStream in = ModelStore.class.getResourceAsStream("/spark-nn-build.txt")) {
            return in == null ? "unknown" : new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
