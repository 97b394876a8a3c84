package org.sparknn.io;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparknn.nn.io.InvalidFileException;

/**
 * File access through Hadoop's FileSystem API, so every path may be local, HDFS, S3A or any other
 * file system the cluster has. Serializable so that tasks can open files themselves.
 */
public final class HadoopFiles implements Serializable {
    private transient Configuration conf;

    public HadoopFiles(Configuration conf) {
        this.conf = conf;
    }

    public Configuration conf() {
        return conf;
    }

    public FileSystem fs(Path path) throws IOException {
        return path.getFileSystem(conf);
    }

    /**
     * Opens a file positioned at {@code offset} of its content; gzip files (recognized by their
     * magic bytes, not their name) are decompressed and skipped forward.
     */
    public InputStream openAt(Path path, long offset) throws IOException {
        FSDataInputStream raw = fs(path).open(path);
        try {
            int b0 = raw.read();
            int b1 = raw.read();
            raw.seek(0);
            if (b0 == 0x1F && b1 == 0x8B) {
                InputStream in = new BufferedInputStream(new NamedGzipStream(path, new GZIPInputStream(raw, 1 << 16)), 1 << 16);
                in.skipNBytes(offset);
                return in;
            }
            raw.seek(offset);
            return new BufferedInputStream(raw, 1 << 16);
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    /** Length of the content (decompressed for gzip files, which are read through once). */
    public long contentLength(Path path) throws IOException {
        if (!isGzip(path)) {
            return fs(path).getFileStatus(path).getLen();
        }
        try (InputStream in = openAt(path, 0)) {
            long n = 0;
            byte[] buf = new byte[1 << 16];
            for (int r; (r = in.read(buf)) >= 0; ) {
                n += r;
            }
            return n;
        }
    }

    /**
     * A gzip stream whose errors name the file: a truncated or corrupted compressed file fails
     * with what was found and where, not with zlib's bare message.
     */
    private static final class NamedGzipStream extends java.io.FilterInputStream {
        private final Path path;
        private long position;

        NamedGzipStream(Path path, InputStream in) {
            super(in);
            this.path = path;
        }

        private IOException named(IOException e) {
            String what = e instanceof java.io.EOFException
                ? "the gzip file is truncated: its compressed data ends after " + position + " bytes of content"
                : "the gzip file is corrupted after " + position + " bytes of content";
            return new org.sparknn.nn.io.InvalidFileException(path + ": " + what + " (" + e.getMessage()
                + "); expected a complete gzip file", e);
        }

        @Override
        public int read() throws IOException {
            try {
                int b = in.read();
                position += b >= 0 ? 1 : 0;
                return b;
            } catch (java.io.EOFException | java.util.zip.ZipException e) {
                throw named(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                int n = in.read(b, off, len);
                position += Math.max(n, 0);
                return n;
            } catch (java.io.EOFException | java.util.zip.ZipException e) {
                throw named(e);
            }
        }

        @Override
        public long skip(long n) throws IOException {
            try {
                long s = in.skip(n);
                position += s;
                return s;
            } catch (java.io.EOFException | java.util.zip.ZipException e) {
                throw named(e);
            }
        }
    }

    public boolean isGzip(Path path) throws IOException {
        try (FSDataInputStream raw = fs(path).open(path)) {
            return raw.read() == 0x1F && raw.read() == 0x8B;
        }
    }

    public String readString(Path path) throws IOException {
        try (InputStream in = fs(path).open(path)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    public void writeString(Path path, String text) throws IOException {
        try (FSDataOutputStream out = fs(path).create(path, false)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * Writes {@code bytes} under a hidden temporary name next to {@code target} and renames it into
     * place, replacing an existing file: readers see the old file or the new one, never a part.
     */
    public void replace(Path target, byte[] bytes) throws IOException {
        FileSystem fs = fs(target);
        fs.mkdirs(target.getParent());
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp-" + java.util.UUID.randomUUID());
        try (FSDataOutputStream out = fs.create(tmp, false)) {
            out.write(bytes);
        }
        if (fs.exists(target)) {
            fs.delete(target, false);
        }
        if (!fs.rename(tmp, target)) {
            fs.delete(tmp, false);
            throw new IOException("cannot rename " + tmp + " to " + target);
        }
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
        out.defaultWriteObject();
        conf.write(out);
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        conf = new Configuration(false);
        conf.readFields(in);
    }

    /** An I/O failure of {@code what} for a stream or lambda that cannot throw it, keeping its message. */
    public static UncheckedIOException unchecked(String what, IOException e) {
        return new UncheckedIOException(what + ": " + e.getMessage(), e);
    }
}
