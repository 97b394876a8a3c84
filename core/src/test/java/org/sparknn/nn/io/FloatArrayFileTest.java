package org.sparknn.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FloatArrayFileTest {
    private static byte[] written(float[] v) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FloatArrayFile.write(out, FloatArrayFile.WEIGHTS, v);
        return out.toByteArray();
    }

    private static String error(byte[] bytes, int expected) {
        return assertThrows(IOException.class, () -> FloatArrayFile.read(new ByteArrayInputStream(bytes), "m/weights.bin",
            FloatArrayFile.WEIGHTS, expected)).getMessage();
    }

    @Test
    void roundTripIsExactAndLittleEndian() throws IOException {
        float[] v = new float[40_000];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) Math.sin(i) * 1e3f;
        }
        v[7] = Float.MIN_VALUE;
        v[8] = -0f;
        byte[] b = written(v);
        assertEquals(12 + 4 * v.length + 4, b.length);
        assertEquals('S', b[0]);
        assertEquals(1, b[4], "version 1, little-endian");
        assertArrayEquals(v, FloatArrayFile.read(new ByteArrayInputStream(b), "x", FloatArrayFile.WEIGHTS, v.length));
    }

    @Test
    void damagedFilesGiveClearErrors() throws IOException {
        byte[] b = written(new float[] {1, 2, 3});
        assertEquals("m/weights.bin: truncated: expected 3 float32 values, the file ends within value 0..3",
            error(Arrays.copyOf(b, 20), 3));
        assertEquals("m/weights.bin: truncated: the CRC32 after the values is missing", error(Arrays.copyOf(b, 24), 3));
        byte[] flipped = b.clone();
        flipped[14] ^= 1;
        assertEquals(true, error(flipped, 3).startsWith("m/weights.bin: corrupted: CRC32 of the values is"));
        byte[] version = b.clone();
        version[4] = 9;
        assertEquals("m/weights.bin: format version 9 is not supported (expected 1)", error(version, 3));
        assertEquals("m/weights.bin: holds 3 values but 4 are expected (does it belong to another network spec?)",
            error(b, 4));
        assertEquals("m/weights.bin: not a spark-nn weights file: magic is 'PK??', expected 'SNNW'",
            error(new byte[] {'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0, 0, 0}, 3));
        byte[] longer = Arrays.copyOf(b, b.length + 1);
        assertEquals("m/weights.bin: unexpected bytes after the CRC32", error(longer, 3));
    }
}
