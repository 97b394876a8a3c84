package org.sparknn.dataprep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparknn.io.HadoopFiles;

class IdxSourceTest {
    @TempDir
    Path dir;

    private final HadoopFiles files = new HadoopFiles(new Configuration());

    /** An IDX file of unsigned bytes with the given header dimensions and payload. */
    static byte[] idx(int[] dims, byte[] payload) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(b);
        out.writeInt(0x00000800 | dims.length);
        for (int d : dims) {
            out.writeInt(d);
        }
        out.write(payload);
        return b.toByteArray();
    }

    private String write(String name, byte[] content, boolean gzip) throws IOException {
        Path p = dir.resolve(name);
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(p)) : Files.newOutputStream(p)) {
            out.write(content);
        }
        return p.toString();
    }

    private static byte[] pixels(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 7);
        }
        return b;
    }

    @Test
    void readsValidRawAndGzippedPairs() throws IOException {
        for (boolean gz : new boolean[] {false, true}) {
            String images = write("img" + gz, idx(new int[] {3, 2, 4}, pixels(24)), gz);
            String labels = write("lab" + gz, idx(new int[] {3}, new byte[] {2, 0, 5}), gz);
            IdxSource s = new IdxSource(files, images, labels);
            assertEquals(3, s.count());
            assertEquals(2, s.height());
            assertEquals(4, s.width());
            assertEquals(6, s.numClasses(), "labels go up to 5");
        }
    }

    @Test
    void truncatedImageFileNamesTheFileAndTheSizes() throws IOException {
        byte[] full = idx(new int[] {3, 2, 4}, pixels(24));
        String images = write("short-images", Arrays.copyOf(full, full.length - 5), false);
        String labels = write("labels", idx(new int[] {3}, new byte[] {1, 2, 3}), false);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> new IdxSource(files, images, labels));
        assertTrue(e.getMessage().contains(images), e.getMessage());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertTrue(e.getMessage().contains("3 items of 8 bytes (40 bytes in all) but the file has 35 bytes"), e.getMessage());
    }

    @Test
    void truncatedGzippedFileIsDetectedToo() throws IOException {
        byte[] full = idx(new int[] {3, 2, 4}, pixels(24));
        String images = write("short-images.gz", Arrays.copyOf(full, full.length - 8), true);
        String labels = write("labels", idx(new int[] {3}, new byte[] {1, 2, 3}), false);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> new IdxSource(files, images, labels));
        assertTrue(e.getMessage().contains("room for 2 complete items"), e.getMessage());
    }

    @Test
    void aGzipFileCutShortNamesTheFile() throws IOException {
        byte[] full = idx(new int[] {300, 8, 8}, pixels(300 * 64));
        String whole = write("whole-images.gz", full, true);
        byte[] compressed = Files.readAllBytes(Path.of(whole));
        Path cut = dir.resolve("cut-images.gz");
        Files.write(cut, Arrays.copyOf(compressed, compressed.length / 2));
        String labels = write("labels-300", idx(new int[] {300}, new byte[300]), false);
        org.sparknn.nn.io.InvalidFileException e = assertThrows(org.sparknn.nn.io.InvalidFileException.class,
            () -> new IdxSource(files, cut.toString(), labels));
        assertTrue(e.getMessage().contains(cut.toString() + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("the gzip file is truncated"), e.getMessage());
    }

    @Test
    void trailingBytesAreAnError() throws IOException {
        byte[] full = idx(new int[] {3, 2, 4}, pixels(27));
        String images = write("long-images", full, false);
        String labels = write("labels", idx(new int[] {3}, new byte[] {1, 2, 3}), false);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> new IdxSource(files, images, labels));
        assertTrue(e.getMessage().contains("3 unexpected trailing bytes"), e.getMessage());
    }

    @Test
    void wrongMagicIsRejected() throws IOException {
        byte[] bad = idx(new int[] {3, 2, 4}, pixels(24));
        bad[0] = 0x12;
        String images = write("bad-magic", bad, false);
        String labels = write("labels", idx(new int[] {3}, new byte[] {1, 2, 3}), false);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> new IdxSource(files, images, labels));
        assertTrue(e.getMessage().startsWith(images + ": not an IDX file: magic number is 0x12000803"), e.getMessage());
    }

    @Test
    void labelFileGivenAsImagesIsRejectedByDimensionCount() throws IOException {
        String labels = write("labels", idx(new int[] {3}, new byte[] {1, 2, 3}), false);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> new IdxSource(files, labels, labels));
        assertTrue(e.getMessage().contains("has 1 dimension(s), expected 3"), e.getMessage());
    }

    @Test
    void nonByteDataTypeIsRejected() throws IOException {
        byte[] floats = idx(new int[] {1, 1, 1}, new byte[4]);
        floats[2] = 0x0D;
        String images = write("floats", floats, false);
        String labels = write("labels", idx(new int[] {1}, new byte[] {0}), false);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> new IdxSource(files, images, labels));
        assertTrue(e.getMessage().contains("data type 0x0D is not supported"), e.getMessage());
    }

    @Test
    void labelAndImageCountMismatchNamesBothFiles() throws IOException {
        String images = write("images", idx(new int[] {3, 2, 4}, pixels(24)), false);
        String labels = write("labels", idx(new int[] {4}, new byte[] {1, 2, 3, 4}), false);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> new IdxSource(files, images, labels));
        assertEquals(labels + " has 4 labels but " + images + " has 3 images: the counts must match", e.getMessage());
    }

    @Test
    void headerDimensionsRoundTrip() throws IOException {
        IdxHeader h = IdxHeader.read("x", new java.io.ByteArrayInputStream(idx(new int[] {5, 3, 2}, new byte[0])), 3);
        assertArrayEquals(new int[] {5, 3, 2}, h.dims());
        assertEquals(16, h.headerBytes());
        assertEquals(6, h.itemBytes());
        assertEquals(46, h.expectedFileBytes());
    }
}
