package org.sparknn.spark.train;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparknn.io.AppAttempt;
import org.sparknn.io.AtomicOutput;
import org.sparknn.io.HadoopFiles;
import org.sparknn.nn.io.FloatArrayFile;
import org.sparknn.nn.spec.SettingException;

/**
 * Checkpoints of a training run on any Hadoop file system: {@code <dir>/checkpoint-<step>/} holds
 * the parameters, the optimizer state, the best weights so far (early stopping) and
 * {@code state.json} (step count, {@link RunState}, and the run's fingerprint, which a resumed run
 * must match). Each checkpoint appears atomically; the last {@code keep} are kept.
 */
public final class Checkpoints {
    private static final Pattern NAME = Pattern.compile("checkpoint-(\\d+)");
    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * The JSON part of a checkpoint.
     *
     * @param dataset the training data's identity ({@code DatasetSchema.identity}); null in
     *                checkpoints written before it was recorded
     * @param writer  the application attempt that wrote it; null in checkpoints written before it
     *                was recorded
     */
    record State(String fingerprint, String dataset, AppAttempt writer, long optimizerSteps, RunState run) {
    }

    /** A restored checkpoint. */
    public record Loaded(String path, float[] params, float[] optimizerState, float[] best, long optimizerSteps,
                         RunState run) {
    }

    private final HadoopFiles files;
    private final Path dir;
    private final int everySteps;
    private final int keep;
    private final String fingerprint;
    private final String dataset;
    private final AppAttempt writer;

    /**
     * @param everySteps  also checkpoint every this many steps (0: at epoch ends only)
     * @param keep        checkpoints to keep
     * @param fingerprint what a resumed run must agree on (network, data, configuration)
     * @param dataset     the identity of the data trained on, which a resumed run's data must have
     * @param writer      the application attempt that trains
     */
    public Checkpoints(HadoopFiles files, String dir, int everySteps, int keep, String fingerprint, String dataset,
                       AppAttempt writer) {
        if (dataset == null || dataset.isEmpty()) {
            throw new IllegalArgumentException("checkpoints need the identity of the training data");
        }
        if (everySteps < 0 || keep < 1) {
            throw new SettingException("checkpointEvery must be >= 0 and keepCheckpoints >= 1, got " + everySteps + " and "
                + keep, "checkpointEvery", "keepCheckpoints");
        }
        this.files = files;
        this.dir = new Path(dir);
        this.everySteps = everySteps;
        this.keep = keep;
        this.fingerprint = fingerprint;
        this.dataset = dataset;
        this.writer = writer;
    }

    public int everySteps() {
        return everySteps;
    }

    /** Writes a checkpoint after {@code globalStep} steps; returns its path. */
    public String save(org.sparknn.nn.train.TrainState state, RunState run, float[] best, long globalStep)
            throws IOException {
        String target = new Path(dir, String.format("checkpoint-%012d", globalStep)).toString();
        try (AtomicOutput out = new AtomicOutput(files, target, true)) {
            FileSystem fs = files.fs(dir);
            write(fs, out.staging("params.bin"), FloatArrayFile.WEIGHTS, state.params());
            write(fs, out.staging("optimizer.bin"), FloatArrayFile.OPTIMIZER, state.optimizerState());
            if (best != null) {
                write(fs, out.staging("best.bin"), FloatArrayFile.WEIGHTS, best);
            }
            files.writeString(out.staging("state.json"),
                JSON.writeValueAsString(new State(fingerprint, dataset, writer, state.step(), run)));
            out.publish();
        }
        prune();
        return target;
    }

    private static void write(FileSystem fs, Path p, String magic, float[] values) throws IOException {
        try (OutputStream o = fs.create(p, false)) {
            FloatArrayFile.write(o, magic, values);
        }
    }

    private List<Path> list() throws IOException {
        FileSystem fs = files.fs(dir);
        List<Path> out = new ArrayList<>();
        if (!fs.exists(dir)) {
            return out;
        }
        for (FileStatus s : fs.listStatus(dir)) {
            if (s.isDirectory() && NAME.matcher(s.getPath().getName()).matches()) {
                out.add(s.getPath());
            }
        }
        out.sort((a, b) -> Long.compare(step(a), step(b)));
        return out;
    }

    private static long step(Path p) {
        Matcher m = NAME.matcher(p.getName());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    private void prune() throws IOException {
        List<Path> all = list();
        FileSystem fs = files.fs(dir);
        for (int i = 0; i < all.size() - keep; i++) {
            fs.delete(all.get(i), true);
        }
    }

    /** Whether the directory holds any checkpoint. */
    public boolean any() throws IOException {
        return !list().isEmpty();
    }

    /**
     * Whether the newest checkpoint was written by an earlier attempt of this application, which
     * this attempt, a retry, continues (see {@link AppAttempt}).
     */
    public boolean writtenByEarlierAttempt() throws IOException {
        List<Path> all = list();
        if (all.isEmpty()) {
            return false;
        }
        return writer.continues(state(all.get(all.size() - 1)).writer());
    }

    private State state(Path p) throws IOException {
        try {
            return JSON.readValue(files.readString(new Path(p, "state.json")), State.class);
        } catch (IOException e) {
            throw new IOException(p + "/state.json: unreadable checkpoint state: " + e.getMessage(), e);
        }
    }

    /** The newest checkpoint, checked against this run's fingerprint. */
    public Optional<Loaded> latest(int paramCount, int optimizerStateSize) throws IOException {
        List<Path> all = list();
        if (all.isEmpty()) {
            return Optional.empty();
        }
        Path p = all.get(all.size() - 1);
        FileSystem fs = files.fs(p);
        State s = state(p);
        if (!s.fingerprint().equals(fingerprint)) {
            throw new IllegalArgumentException(p + " belongs to another run: it was written with\n  " + s.fingerprint()
                + "\nbut this run has\n  " + fingerprint + "\nresume with the same network, data, partitions and options,"
                + " or use another --checkpoint-dir");
        }
        if (s.dataset() == null) {
            throw new IllegalArgumentException(p + " does not record which data it was trained on (it was written by an"
                + " earlier spark-nn), so resuming could silently continue on other data; start afresh with an empty"
                + " --checkpoint-dir");
        }
        if (!s.dataset().equals(dataset)) {
            throw new IllegalArgumentException(p + " was trained on other data: the dataset's content has changed since"
                + " (ingested again at the same path?): its identity is " + dataset + ", the checkpoint's " + s.dataset()
                + "; start afresh with an empty --checkpoint-dir, or resume on the data the checkpoint was written with");
        }
        float[] params = read(fs, new Path(p, "params.bin"), FloatArrayFile.WEIGHTS, paramCount);
        float[] opt = read(fs, new Path(p, "optimizer.bin"), FloatArrayFile.OPTIMIZER, optimizerStateSize);
        Path bestPath = new Path(p, "best.bin");
        float[] best = fs.exists(bestPath) ? read(fs, bestPath, FloatArrayFile.WEIGHTS, paramCount) : null;
        return Optional.of(new Loaded(p.toString(), params, opt, best, s.optimizerSteps(), s.run()));
    }

    private static float[] read(FileSystem fs, Path p, String magic, int expected) throws IOException {
        try (InputStream in = fs.open(p)) {
            return FloatArrayFile.read(in, p.toString(), magic, expected);
        }
    }
}
