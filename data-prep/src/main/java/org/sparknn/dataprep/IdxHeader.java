package org.sparknn.dataprep;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * The header of an IDX file (the MNIST format): two zero bytes, a type code, the number of
 * dimensions, then one big-endian int per dimension. Only unsigned-byte data (type 0x08) is
 * accepted, which is what every MNIST-style dataset uses.
 *
 * @param file   the file name, for error messages
 * @param dims   the dimensions, first = item count
 */
public record IdxHeader(String file, int[] dims) {

    /** IDX type code of unsigned bytes. */
    static final int UBYTE = 0x08;

    public IdxHeader {
        dims = dims.clone();
    }

    /** Number of items (the first dimension). */
    public int count() {
        return dims[0];
    }

    /** Bytes per item: the product of all dimensions but the first. */
    public long itemBytes() {
        long n = 1;
        for (int i = 1; i < dims.length; i++) {
            n *= dims[i];
        }
        return n;
    }

    /** Header length in bytes. */
    public int headerBytes() {
        return 4 + 4 * dims.length;
    }

    /** Bytes the whole file must hold. */
    public long expectedFileBytes() {
        return headerBytes() + itemBytes() * count();
    }

    /**
     * Reads and checks a header.
     *
     * @param file         name used in errors
     * @param in           positioned at the start of the (decompressed) file
     * @param expectedDims the dimension count the caller needs (3 for images, 1 for labels)
     */
    public static IdxHeader read(String file, InputStream in, int expectedDims) throws IOException {
        DataInputStream data = new DataInputStream(in);
        int magic;
        try {
            magic = data.readInt();
        } catch (EOFException e) {
            throw new IdxFormatException(file + ": file is shorter than an IDX header (4 bytes)");
        }
        int zeros = magic >>> 16;
        int type = (magic >>> 8) & 0xFF;
        int ndims = magic & 0xFF;
        if (zeros != 0) {
            throw new IdxFormatException(String.format(
                "%s: not an IDX file: magic number is 0x%08X, expected 0x0000%02X%02X", file, magic,
                UBYTE, expectedDims)
                + (magic >>> 16 == 0x1F8B ? " (the file is gzip-compressed but not named *.gz)" : ""));
        }
        if (type != UBYTE) {
            throw new IdxFormatException(String.format(
                "%s: IDX data type 0x%02X is not supported, expected 0x%02X (unsigned byte)", file, type, UBYTE));
        }
        if (ndims != expectedDims) {
            throw new IdxFormatException(String.format(
                "%s: IDX file has %d dimension(s), expected %d (%s)", file, ndims, expectedDims,
                expectedDims == 1 ? "a label file: count" : "an image file: count, rows, columns"));
        }
        int[] dims = new int[ndims];
        for (int i = 0; i < ndims; i++) {
            try {
                dims[i] = data.readInt();
            } catch (EOFException e) {
                throw new IdxFormatException(String.format(
                    "%s: truncated IDX header: expected %d dimension sizes, found %d", file, ndims, i));
            }
            if (dims[i] < 0 || (i > 0 && dims[i] == 0)) {
                throw new IdxFormatException(String.format(
                    "%s: IDX dimension %d has size %d, expected a positive size", file, i, dims[i]));
            }
        }
        return new IdxHeader(file, dims);
    }

    /** Checks the file length (bytes after decompression) against the header. */
    public void checkLength(long actualBytes) {
        long expected = expectedFileBytes();
        if (actualBytes < expected) {
            throw new IdxFormatException(String.format(
                "%s: truncated: the header announces %d items of %d bytes (%d bytes in all) but the file has %d bytes"
                    + " (room for %d complete items)",
                file, count(), itemBytes(), expected, actualBytes,
                Math.max(0, (actualBytes - headerBytes()) / itemBytes())));
        }
        if (actualBytes > expected) {
            throw new IdxFormatException(String.format(
                "%s: the header announces %d items of %d bytes (%d bytes in all) but the file has %d bytes:"
                    + " %d unexpected trailing bytes",
                file, count(), itemBytes(), expected, actualBytes, actualBytes - expected));
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IdxHeader h && h.file.equals(file) && Arrays.equals(h.dims, dims);
    }

    @Override
    public int hashCode() {
        return 31 * file.hashCode() + Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return file + " " + Arrays.toString(dims);
    }
}
