package org.sparknn.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsAction;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.io.nativeio.NativeIO;

/**
 * Hadoop's local file system ({@code file://}, with its checksum files) that sets permissions
 * through {@code java.nio} instead of starting a {@code chmod} process.
 *
 * <p>Without Hadoop's native library (which Maven-built deployments do not have), Hadoop's
 * {@link RawLocalFileSystem} forks {@code chmod} for every file it creates and every directory it
 * makes: 15 processes for one scoring run's output (staging directories, part files, their
 * checksum files, {@code _SUCCESS}, the summary), each a few milliseconds on the job's critical
 * path. Select it with {@code fs.file.impl} ({@code spark.hadoop.fs.file.impl} in Spark's
 * properties, as {@code spark-conf/local.properties} does). With the native library loaded, or for
 * modes that {@code java.nio} cannot express (the sticky bit) or on a file system without POSIX
 * attributes, it does what Hadoop does.
 */
public class PosixLocalFileSystem extends LocalFileSystem {
    public PosixLocalFileSystem() {
        super(new Raw());
    }

    /**
     * The raw (checksum-less) file system underneath, with the permission change replaced, and the
     * status of a path that is not a symbolic link read without forking {@code readlink} (which
     * Hadoop does to tell whether it is one, on every rename through {@code FileContext}).
     */
    static final class Raw extends RawLocalFileSystem {
        @Override
        public FileStatus getFileLinkStatus(Path f) throws IOException {
            if (Files.isSymbolicLink(pathToFile(f).toPath())) {
                return super.getFileLinkStatus(f);
            }
            return getFileStatus(f); // what Hadoop returns for a file or directory; FileNotFoundException if none
        }

        @Override
        public void setPermission(Path p, FsPermission permission) throws IOException {
            if (NativeIO.isAvailable() || permission.getStickyBit()) {
                super.setPermission(p, permission);
                return;
            }
            try {
                Files.setPosixFilePermissions(pathToFile(p).toPath(), posix(permission));
            } catch (UnsupportedOperationException e) {
                super.setPermission(p, permission);
            }
        }
    }

    /** The POSIX permission set of a Hadoop permission (without the sticky bit). */
    static Set<PosixFilePermission> posix(FsPermission permission) {
        Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
        add(s, permission.getUserAction(), PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.OWNER_EXECUTE);
        add(s, permission.getGroupAction(), PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_EXECUTE);
        add(s, permission.getOtherAction(), PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_EXECUTE);
        return s;
    }

    private static void add(Set<PosixFilePermission> s, FsAction action, PosixFilePermission read,
                            PosixFilePermission write, PosixFilePermission execute) {
        if (action.implies(FsAction.READ)) {
            s.add(read);
        }
        if (action.implies(FsAction.WRITE)) {
            s.add(write);
        }
        if (action.implies(FsAction.EXECUTE)) {
            s.add(execute);
        }
    }
}
