package org.sparknn.testing;

import java.io.IOException;
import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The local file system under the scheme {@code failopen:}, where opening a file whose name
 * contains "unreadable" fails, as a file without read permission does for a user other than root
 * (tests run as root, who can read anything). Register it with {@link #register}.
 */
public final class FailingOpenFileSystem extends RawLocalFileSystem {
    public static final String SCHEME = "failopen";

    /** Makes {@code failopen:} paths resolve to this file system in {@code conf}. */
    public static void register(Configuration conf) {
        conf.set("fs." + SCHEME + ".impl", FailingOpenFileSystem.class.getName());
        conf.setBoolean("fs." + SCHEME + ".impl.disable.cache", true);
    }

    /** {@code path} (a local path) as a {@code failopen:} URI string. */
    public static String uri(java.nio.file.Path path) {
        return SCHEME + "://" + path.toAbsolutePath();
    }

    @Override
    public URI getUri() {
        return URI.create(SCHEME + ":///");
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }

    @Override
    public void initialize(URI uri, Configuration conf) throws IOException {
        super.initialize(uri, conf);
        setConf(conf);
    }

    @Override
    public FSDataInputStream open(Path f, int bufferSize) throws IOException {
        if (f.getName().contains("unreadable")) {
            throw new java.nio.file.AccessDeniedException(f.toString(), null, "Permission denied");
        }
        return super.open(f, bufferSize);
    }
}
