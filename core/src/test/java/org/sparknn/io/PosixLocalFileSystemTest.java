package org.sparknn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PosixLocalFileSystemTest {
    @TempDir
    java.nio.file.Path dir;

    private static FileSystem fs(Class<? extends FileSystem> impl) throws IOException {
        Configuration conf = new Configuration(false);
        conf.set("fs.file.impl", impl.getName());
        conf.setBoolean("fs.file.impl.disable.cache", true);
        return FileSystem.get(URI.create("file:///"), conf);
    }

    private static String mode(java.nio.file.Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void selectedThroughFsFileImpl() throws IOException {
        assertInstanceOf(PosixLocalFileSystem.class, fs(PosixLocalFileSystem.class));
    }

    @Test
    void createsFilesAndDirectoriesWithTheModesHadoopGivesThem() throws IOException {
        try (FileSystem ours = fs(PosixLocalFileSystem.class); FileSystem hadoops = fs(LocalFileSystem.class)) {
            for (String side : new String[] {"ours", "hadoops"}) {
                FileSystem fs = side.equals("ours") ? ours : hadoops;
                Path base = new Path(dir.resolve(side).toUri());
                assertTrue(fs.mkdirs(new Path(base, "a/b")));
                try (FSDataOutputStream out = fs.create(new Path(base, "a/b/part-0"))) {
                    out.writeBytes("x");
                }
                fs.mkdirs(new Path(base, "c"), new FsPermission((short) 0700));
            }
            for (String p : new String[] {"a", "a/b", "a/b/part-0", "a/b/.part-0.crc", "c"}) {
                assertEquals(mode(dir.resolve("hadoops").resolve(p)), mode(dir.resolve("ours").resolve(p)), p);
            }
            assertEquals("rw-r--r--", mode(dir.resolve("ours/a/b/part-0")), "the default umask 022 applies");
            assertEquals("rwx------", mode(dir.resolve("ours/c")));
        }
    }

    @Test
    void setsEveryPermissionBitAsChmodDoes() throws IOException {
        try (FileSystem ours = fs(PosixLocalFileSystem.class); FileSystem hadoops = fs(LocalFileSystem.class)) {
            for (short m : new short[] {0000, 0400, 0444, 0600, 0640, 0700, 0750, 0755, 0777, 0123, 0456}) {
                java.nio.file.Path a = Files.createFile(dir.resolve("ours-" + m));
                java.nio.file.Path b = Files.createFile(dir.resolve("hadoops-" + m));
                ours.setPermission(new Path(a.toUri()), new FsPermission(m));
                hadoops.setPermission(new Path(b.toUri()), new FsPermission(m));
                assertEquals(mode(b), mode(a), Integer.toOctalString(m));
                assertEquals(m, (int) Files.getAttribute(a, "unix:mode") & 0777, Integer.toOctalString(m));
            }
        }
    }

    @Test
    void theStickyBitGoesThroughHadoopsOwnPath() throws IOException {
        try (FileSystem ours = fs(PosixLocalFileSystem.class)) {
            java.nio.file.Path d = Files.createDirectory(dir.resolve("shared"));
            ours.setPermission(new Path(d.toUri()), new FsPermission((short) 01777));
            assertEquals(01777, (int) Files.getAttribute(d, "unix:mode") & 07777);
        }
    }
}
