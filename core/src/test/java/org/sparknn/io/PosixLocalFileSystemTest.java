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

    private static org.apache.hadoop.fs.FileContext context(String impl) throws IOException {
        Configuration conf = new Configuration(false);
        conf.set("fs.AbstractFileSystem.file.impl", impl);
        return org.apache.hadoop.fs.FileContext.getFileContext(URI.create("file:///"), conf);
    }

    @Test
    void fileContextWritesAndRenamesAsHadoopsLocalFsDoes() throws IOException {
        for (String impl : new String[] {PosixLocalFs.class.getName(), org.apache.hadoop.fs.local.LocalFs.class.getName()}) {
            org.apache.hadoop.fs.FileContext fc = context(impl);
            assertEquals(impl, fc.getDefaultFileSystem().getClass().getName());
            String side = impl.equals(PosixLocalFs.class.getName()) ? "ours" : "hadoops";
            Path base = new Path(dir.resolve(side).toUri());
            fc.mkdir(base, FsPermission.getDirDefault(), true);
            // what a streaming query's checkpoint log does: a temporary file renamed over the entry
            for (int i = 0; i < 2; i++) {
                Path tmp = new Path(base, ".0.tmp");
                try (FSDataOutputStream out = fc.create(tmp, java.util.EnumSet.of(org.apache.hadoop.fs.CreateFlag.CREATE,
                        org.apache.hadoop.fs.CreateFlag.OVERWRITE))) {
                    out.writeBytes("v" + i);
                }
                fc.rename(tmp, new Path(base, "0"), org.apache.hadoop.fs.Options.Rename.OVERWRITE);
            }
        }
        assertEquals("v1", Files.readString(dir.resolve("ours/0")));
        for (String p : new String[] {"0", ".0.crc"}) {
            assertEquals(mode(dir.resolve("hadoops").resolve(p)), mode(dir.resolve("ours").resolve(p)), p);
        }
        assertEquals(java.util.Set.of("0", ".0.crc"), names(dir.resolve("hadoops")));
        assertEquals(names(dir.resolve("hadoops")), names(dir.resolve("ours")));
    }

    private static java.util.Set<String> names(java.nio.file.Path d) throws IOException {
        try (var s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet());
        }
    }

    @Test
    void linkStatusTellsFilesLinksAndMissingPathsApart() throws IOException {
        try (FileSystem ours = fs(PosixLocalFileSystem.class); FileSystem hadoops = fs(LocalFileSystem.class)) {
            java.nio.file.Path file = Files.writeString(dir.resolve("file"), "x");
            java.nio.file.Path link = Files.createSymbolicLink(dir.resolve("link"), file);
            java.nio.file.Path dangling = Files.createSymbolicLink(dir.resolve("dangling"), dir.resolve("gone"));
            for (java.nio.file.Path p : new java.nio.file.Path[] {file, link, dangling, dir}) {
                org.apache.hadoop.fs.FileStatus a = status(ours, p);
                org.apache.hadoop.fs.FileStatus b = status(hadoops, p);
                if (a == null || b == null) {
                    assertEquals(b == null, a == null, p + ": status or FileNotFoundException, as Hadoop's");
                    continue;
                }
                assertEquals(b.isSymlink(), a.isSymlink(), p.toString());
                assertEquals(b.isDirectory(), a.isDirectory(), p.toString());
                assertEquals(b.getLen(), a.getLen(), p.toString());
                if (b.isSymlink()) {
                    assertEquals(b.getSymlink(), a.getSymlink(), p.toString());
                }
            }
            org.junit.jupiter.api.Assertions.assertThrows(java.io.FileNotFoundException.class, () ->
                ((LocalFileSystem) ours).getRawFileSystem().getFileLinkStatus(new Path(dir.resolve("none").toUri())));
        }
    }

    /** The raw file system's link status of {@code p}, or null when it throws FileNotFoundException. */
    private static org.apache.hadoop.fs.FileStatus status(FileSystem fs, java.nio.file.Path p) throws IOException {
        try {
            return ((LocalFileSystem) fs).getRawFileSystem().getFileLinkStatus(new Path(p.toUri()));
        } catch (java.io.FileNotFoundException e) {
            return null;
        }
    }
}
