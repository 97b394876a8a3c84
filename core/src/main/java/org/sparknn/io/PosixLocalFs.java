package org.sparknn.io;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFs;
import org.apache.hadoop.fs.DelegateToFileSystem;
import org.apache.hadoop.fs.FsConstants;
import org.apache.hadoop.fs.FsServerDefaults;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.local.LocalConfigKeys;

/**
 * {@link PosixLocalFileSystem} for Hadoop's {@code FileContext} API, which has a file-system class
 * of its own per scheme: the local file system with checksum files, as Hadoop's {@code LocalFs},
 * setting permissions through {@code java.nio} instead of forking {@code chmod}.
 *
 * <p>Structured Streaming writes its checkpoint (offset, commit and sink logs) through
 * {@code FileContext}; without Hadoop's native library every log entry then forks {@code chmod} for
 * the entry and again for its checksum file, on the critical path of every micro-batch. Select it
 * with {@code fs.AbstractFileSystem.file.impl} ({@code spark.hadoop.fs.AbstractFileSystem.file.impl},
 * as {@code spark-conf/local.properties} does).
 */
public class PosixLocalFs extends ChecksumFs {
    /** The constructor {@code AbstractFileSystem.createFileSystem} calls. */
    public PosixLocalFs(URI uri, Configuration conf) throws IOException, URISyntaxException {
        super(new Raw(conf));
    }

    /** The checksum-less file system underneath, as Hadoop's {@code RawLocalFs} over {@link PosixLocalFileSystem.Raw}. */
    static final class Raw extends DelegateToFileSystem {
        Raw(Configuration conf) throws IOException, URISyntaxException {
            super(FsConstants.LOCAL_FS_URI, new PosixLocalFileSystem.Raw(), conf, FsConstants.LOCAL_FS_URI.getScheme(), false);
        }

        @Override
        public int getUriDefaultPort() {
            return -1; // no port for file:///
        }

        @Override
        public FsServerDefaults getServerDefaults(Path f) throws IOException {
            return LocalConfigKeys.getServerDefaults();
        }

        @Override
        @SuppressWarnings("deprecation")
        public FsServerDefaults getServerDefaults() throws IOException {
            return LocalConfigKeys.getServerDefaults();
        }

        @Override
        public boolean isValidName(String src) {
            return true; // any local path, as RawLocalFs says
        }
    }
}
