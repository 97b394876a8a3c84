package org.sparknn.nn.io;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * The binary form of a float array (model weights, optimizer state): a 4-byte ASCII magic that
 * says what the array is, a little-endian int32 format version, an int32 value count, the values
 * as little-endian float32, and the CRC32 of the values as an int32. No Java serialization:
 * reading checks every field and names the file in each error.
 */
public final class FloatArrayFile {
    /** Magic of model weights. */
    public static final String WEIGHTS = "SNNW";
    /** Magic of optimizer state. */
    public static final String OPTIMIZER = "SNNO";
    public static final int VERSION = 1;
    private static final int CHUNK = 1 << 14;

    private FloatArrayFile() {
    }

    public static void write(OutputStream out, String magic, float[] values) throws IOException {
        byte[] m = magic.getBytes(StandardCharsets.US_ASCII);
        if (m.length != 4) {
            throw new IllegalArgumentException("magic must be 4 ASCII characters, got '" + magic + "'");
        }
        ByteBuffer header = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        header.put(m).putInt(VERSION).putInt(values.length);
        out.write(header.array());
        CRC32 crc = new CRC32();
        ByteBuffer buf = ByteBuffer.allocate(CHUNK * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < values.length; i += CHUNK) {
            buf.clear();
            int n = Math.min(CHUNK, values.length - i);
            buf.asFloatBuffer().put(values, i, n);
            crc.update(buf.array(), 0, n * 4);
            out.write(buf.array(), 0, n * 4);
        }
        ByteBuffer tail = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        tail.putInt((int) crc.getValue());
        out.write(tail.array());
        out.flush();
    }

    /**
     * Reads an array written by {@link #write}.
     *
     * @param origin   the file, for errors
     * @param expected the value count the caller needs (the network's parameter count), or -1
     */
    public static float[] read(InputStream in, String origin, String magic, int expected) throws IOException {
        DataInputStream data = new DataInputStream(in);
        byte[] header = new byte[12];
        try {
            data.readFully(header);
        } catch (EOFException e) {
            throw new InvalidFileException(origin + ": truncated: shorter than the 12-byte header");
        }
        ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        String found = new String(header, 0, 4, StandardCharsets.US_ASCII);
        if (!found.equals(magic)) {
            throw new InvalidFileException(origin + ": not a spark-nn " + (magic.equals(WEIGHTS) ? "weights" : "array")
                + " file: magic is '" + printable(found) + "', expected '" + magic + "'");
        }
        h.position(4);
        int version = h.getInt();
        if (version != VERSION) {
            throw new InvalidFileException(origin + ": format version " + version + " is not supported (expected " + VERSION + ")");
        }
        int count = h.getInt();
        if (count < 0) {
            throw new InvalidFileException(origin + ": corrupted header: value count " + count);
        }
        if (expected >= 0 && count != expected) {
            throw new InvalidFileException(origin + ": holds " + count + " values but " + expected
                + " are expected (does it belong to another network spec?)");
        }
        float[] values = new float[count];
        CRC32 crc = new CRC32();
        byte[] buf = new byte[CHUNK * 4];
        ByteBuffer view = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i += CHUNK) {
            int n = Math.min(CHUNK, count - i);
            try {
                data.readFully(buf, 0, n * 4);
            } catch (EOFException e) {
                throw new InvalidFileException(origin + ": truncated: expected " + count + " float32 values, the file ends within value "
                    + i + ".." + (i + n));
            }
            crc.update(buf, 0, n * 4);
            view.clear();
            view.asFloatBuffer().get(values, i, n);
        }
        byte[] tail = new byte[4];
        try {
            data.readFully(tail);
        } catch (EOFException e) {
            throw new InvalidFileException(origin + ": truncated: the CRC32 after the values is missing");
        }
        int stored = ByteBuffer.wrap(tail).order(ByteOrder.LITTLE_ENDIAN).getInt();
        if (stored != (int) crc.getValue()) {
            throw new InvalidFileException(String.format("%s: corrupted: CRC32 of the values is %08x, the file says %08x", origin,
                (int) crc.getValue(), stored));
        }
        if (data.read() >= 0) {
            throw new InvalidFileException(origin + ": unexpected bytes after the CRC32");
        }
        return values;
    }

    private static String printable(String s) {
        return s.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
