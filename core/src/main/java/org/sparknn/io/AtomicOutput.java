package org.sparknn.io;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * An output directory that appears whole or not at all: everything is written into a hidden
 * staging directory next to the target, which is renamed into place at the end. Hidden names
 * (leading '.') keep readers and Spark's file listing away from the staging directory. On HDFS and
 * local file systems the rename is atomic; on object stores without atomic rename (S3) it is a
 * copy, and the target should be written through a committer instead.
 *
 * <p>Replacing an existing output takes two renames: the old output moves aside to
 * {@code .<name>.old-<uuid>} next to the target, then the staging directory moves to the target,
 * then the old output is deleted. At every instant the old or the new output is at the target or
 * at that named {@code .old-} path. A run killed between the steps leaves it there, and the next
 * output to the same target puts it right before it starts: with nothing at the target, the old
 * output is renamed back (the killed run never published); with the new output in place, the old
 * one is deleted.
 *
 * <p>A job's output also records the application attempt that wrote it ({@link AppAttempt#MARKER},
 * written into the staging directory first). A retry of the same application (YARN's attempt 2
 * after a lost attempt 1) may therefore replace what the lost attempt published, without
 * {@code --overwrite}, and deletes the staging directories the lost attempt left unfinished.
 */
public final class AtomicOutput implements AutoCloseable {
    /** The points of {@link #publish} a test can stop at, as a kill would. */
    enum Step { OLD_MOVED_ASIDE, NEW_IN_PLACE }

    /** Called at each {@link Step} of a publish; tests make it throw to leave what a kill would. */
    interface Hook {
        void at(Step step) throws IOException;
    }

    static volatile Hook hook = step -> { };
    private static final String TMP = ".tmp-";

    private final FileSystem fs;
    private final Path target;
    private final Path staging;
    private final boolean overwrite;
    private final HadoopFiles files;
    private final AppAttempt writer;
    private boolean published;

    /**
     * @param overwrite replace an existing target; when false an existing target is an error
     *                  raised here, before any work is done
     */
    public AtomicOutput(HadoopFiles files, String target, boolean overwrite) throws IOException {
        this(files, target, overwrite, System.err);
    }

    /** As above; {@code log} says what an earlier, killed publish left and what was done with it. */
    public AtomicOutput(HadoopFiles files, String target, boolean overwrite, PrintStream log) throws IOException {
        this(files, target, overwrite, null, log);
    }

    /**
     * A job's output, marked with {@code writer}, the application attempt that writes it.
     *
     * @param writer null for outputs that are not a job's (no marker is written)
     */
    public AtomicOutput(HadoopFiles files, String target, boolean overwrite, AppAttempt writer, PrintStream log)
            throws IOException {
        this.target = new Path(target);
        this.fs = files.fs(this.target);
        this.files = files;
        this.writer = writer;
        recover(fs, this.target, log);
        if (writer != null && writer.isRetry()) {
            deleteUnfinished(files, this.target, writer, log);
        }
        this.overwrite = replaces(files, this.target, overwrite, writer, log);
        Path parent = this.target.getParent();
        this.staging = new Path(parent, "." + this.target.getName() + TMP + UUID.randomUUID());
        if (parent != null && !fs.exists(parent)) {
            fs.mkdirs(parent);
        }
        fs.mkdirs(staging);
        writeMarker();
    }

    private void writeMarker() throws IOException {
        Path marker = new Path(staging, AppAttempt.MARKER);
        if (writer != null && !fs.exists(marker)) {
            files.writeString(marker, writer.toJson());
        }
    }

    /**
     * Checks, before any work is done, that {@code target} may be written: it does not exist, or
     * {@code overwrite} is set, or an earlier attempt of {@code writer}'s application published it.
     * Returns whether an existing output will be replaced.
     *
     * @throws IllegalArgumentException when it exists and may not be replaced
     */
    public static boolean checkTarget(HadoopFiles files, String target, boolean overwrite, AppAttempt writer)
            throws IOException {
        return replaces(files, new Path(target), overwrite, writer, new PrintStream(java.io.OutputStream.nullOutputStream()));
    }

    private static boolean replaces(HadoopFiles files, Path target, boolean overwrite, AppAttempt writer, PrintStream log)
            throws IOException {
        if (overwrite || !files.fs(target).exists(target)) {
            return overwrite;
        }
        AppAttempt previous = writtenBy(files, target);
        if (writer != null && writer.continues(previous)) {
            log.println("replacing " + target + ", which " + previous + " published before it was lost");
            return true;
        }
        throw new IllegalArgumentException(target + " already exists; pass --overwrite to replace it");
    }

    /** The application attempt an output or staging directory records, or null. */
    static AppAttempt writtenBy(HadoopFiles files, Path dir) throws IOException {
        Path marker = new Path(dir, AppAttempt.MARKER);
        return files.fs(marker).exists(marker) ? AppAttempt.fromJson(files.readString(marker)) : null;
    }

    /** Deletes the staging directories next to {@code target} that earlier attempts of this application left. */
    private static void deleteUnfinished(HadoopFiles files, Path target, AppAttempt writer, PrintStream log)
            throws IOException {
        FileSystem fs = files.fs(target);
        Path parent = target.getParent();
        if (parent == null || !fs.exists(parent)) {
            return;
        }
        String prefix = "." + target.getName() + TMP;
        for (FileStatus s : fs.listStatus(parent)) {
            if (s.isDirectory() && s.getPath().getName().startsWith(prefix)
                && writer.continues(writtenBy(files, s.getPath()))) {
                fs.delete(s.getPath(), true);
                log.println("deleted " + s.getPath() + ", the unfinished output of an earlier attempt of "
                    + writer.applicationId());
            }
        }
    }

    /** The old outputs a killed publish left next to {@code target}, newest first. */
    static List<FileStatus> leftOldOutputs(FileSystem fs, Path target) throws IOException {
        Path parent = target.getParent();
        List<FileStatus> old = new ArrayList<>();
        if (parent == null || !fs.exists(parent)) {
            return old;
        }
        String prefix = "." + target.getName() + ".old-";
        for (FileStatus s : fs.listStatus(parent)) {
            if (s.getPath().getName().startsWith(prefix)) {
                old.add(s);
            }
        }
        old.sort(Comparator.comparingLong(FileStatus::getModificationTime).reversed());
        return old;
    }

    /**
     * Puts right what a publish killed between its renames left at {@code target}: restores the
     * old output when nothing is at the target, else deletes it.
     */
    static void recover(FileSystem fs, Path target, PrintStream log) throws IOException {
        List<FileStatus> old = leftOldOutputs(fs, target);
        for (FileStatus s : old) {
            if (!fs.exists(target)) {
                if (!fs.rename(s.getPath(), target)) {
                    throw new IOException("cannot restore " + s.getPath() + " to " + target
                        + " (left there by a run killed while it published); move it back by hand");
                }
                log.println("restored " + target + " from " + s.getPath()
                    + ", where a run killed while it published had moved it");
            } else {
                fs.delete(s.getPath(), true);
                log.println("deleted " + s.getPath() + ", the previous output a run killed after it published left behind");
            }
        }
    }

    /** Where to write; a path inside the staging directory. */
    public Path staging(String child) {
        return new Path(staging, child);
    }

    /** The staging directory itself, for writers that fill a whole directory. */
    public Path stagingRoot() {
        return staging;
    }

    public Path target() {
        return target;
    }

    /** Moves the staged output into place, replacing an old one when allowed. */
    public void publish() throws IOException {
        writeMarker(); // again, in case a writer replaced the whole staging directory
        Path old = null;
        if (fs.exists(target)) {
            if (!overwrite) {
                throw new IOException(target + " appeared while the job ran; the new output stays in " + staging);
            }
            old = new Path(target.getParent(), "." + target.getName() + ".old-" + UUID.randomUUID());
            if (!fs.rename(target, old)) {
                throw new IOException("cannot move the old " + target + " aside to " + old);
            }
            hook.at(Step.OLD_MOVED_ASIDE);
        }
        if (!fs.rename(staging, target)) {
            if (old != null) {
                fs.rename(old, target);
            }
            throw new IOException("cannot rename " + staging + " to " + target);
        }
        published = true;
        if (old != null) {
            hook.at(Step.NEW_IN_PLACE);
            fs.delete(old, true);
        }
    }

    /** Removes the staging directory unless it was published. */
    @Override
    public void close() throws IOException {
        if (!published) {
            fs.delete(staging, true);
        }
    }
}
