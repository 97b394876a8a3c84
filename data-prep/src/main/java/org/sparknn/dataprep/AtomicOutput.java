package org.sparknn.dataprep;

import java.io.IOException;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * An output directory that appears whole or not at all: everything is written into a hidden
 * staging directory next to the target, which is renamed into place at the end. Hidden names
 * (leading '.') keep readers and Spark's file listing away from the staging directory. On HDFS and
 * local file systems the rename is atomic; on object stores without atomic rename (S3) it is a
 * copy, and the target should be written through a committer instead.
 */
public final class AtomicOutput implements AutoCloseable {
    private final FileSystem fs;
    private final Path target;
    private final Path staging;
    private final boolean overwrite;
    private boolean published;

    /**
     * @param overwrite replace an existing target; when false an existing target is an error
     *                  raised here, before any work is done
     */
    public AtomicOutput(HadoopFiles files, String target, boolean overwrite) throws IOException {
        this.target = new Path(target);
        this.fs = files.fs(this.target);
        this.overwrite = overwrite;
        if (fs.exists(this.target) && !overwrite) {
            throw new IllegalArgumentException(target + " already exists; pass --overwrite to replace it");
        }
        Path parent = this.target.getParent();
        this.staging = new Path(parent, "." + this.target.getName() + ".tmp-" + UUID.randomUUID());
        if (parent != null && !fs.exists(parent)) {
            fs.mkdirs(parent);
        }
        fs.mkdirs(staging);
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
        Path old = null;
        if (fs.exists(target)) {
            if (!overwrite) {
                throw new IOException(target + " appeared while the job ran; the new output stays in " + staging);
            }
            old = new Path(target.getParent(), "." + target.getName() + ".old-" + UUID.randomUUID());
            if (!fs.rename(target, old)) {
                throw new IOException("cannot move the old " + target + " aside to " + old);
            }
        }
        if (!fs.rename(staging, target)) {
            if (old != null) {
                fs.rename(old, target);
            }
            throw new IOException("cannot rename " + staging + " to " + target);
        }
        published = true;
        if (old != null) {
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
