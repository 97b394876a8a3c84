package org.sparknn.dataprep;

/**
 * What a JPEG's header segments say that ImageIO does not act on: the EXIF orientation (tag
 * 0x0112 of the first image directory in its APP1 "Exif" segment) and the number of colour
 * components of its frame. Cameras store the sensor's pixels and record how to turn them; ImageIO
 * ignores that, so without {@link #upright} a portrait photo would come out lying on its side. The
 * eight orientations are those of the EXIF standard, applied as Pillow's
 * {@code ImageOps.exif_transpose} applies them.
 */
final class JpegHeader {
    /** The pixels as stored are upright. */
    static final int NORMAL = 1;

    private JpegHeader() {
    }

    /**
     * The colour components of a JPEG's frame (1 gray, 3 YCbCr or RGB, 4 CMYK or YCCK), read from
     * its first bytes; 0 when they are not a JPEG or hold no frame header.
     */
    static int components(byte[] b, int length) {
        int[] frame = frame(b, length);
        return frame == null ? 0 : frame[2];
    }

    /**
     * The frame header of a JPEG's first bytes: {height, width, components}; null when they are
     * not a JPEG or hold no frame header.
     */
    static int[] frame(byte[] b, int length) {
        if (length < 4 || (b[0] & 0xFF) != 0xFF || (b[1] & 0xFF) != 0xD8) {
            return null;
        }
        int p = 2;
        while (p + 4 <= length && (b[p] & 0xFF) == 0xFF) {
            int marker = b[p + 1] & 0xFF;
            if (marker == 0xDA || marker == 0xD9) {
                return null;
            }
            boolean frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (frame && p + 10 <= length) {
                return new int[] {u16(b, p + 5, false), u16(b, p + 7, false), b[p + 9] & 0xFF};
            }
            p += 2 + u16(b, p + 2, false);
        }
        return null;
    }

    /**
     * The orientation (1..8) recorded in a JPEG's first bytes, {@link #NORMAL} when it records none
     * (or the bytes are not a JPEG, or its EXIF data is malformed).
     */
    static int orientation(byte[] b, int length) {
        if (length < 4 || (b[0] & 0xFF) != 0xFF || (b[1] & 0xFF) != 0xD8) {
            return NORMAL;
        }
        int p = 2;
        while (p + 4 <= length && (b[p] & 0xFF) == 0xFF) {
            int marker = b[p + 1] & 0xFF;
            if (marker == 0xDA || marker == 0xD9) { // start of scan, end of image: no more headers
                return NORMAL;
            }
            int segment = u16(b, p + 2, false);
            if (marker == 0xE1 && segment >= 8 && p + 2 + segment <= length && startsWithExif(b, p + 4)) {
                int orientation = fromTiff(b, p + 10, p + 2 + segment);
                if (orientation != 0) {
                    return orientation;
                }
            }
            p += 2 + segment;
        }
        return NORMAL;
    }

    private static boolean startsWithExif(byte[] b, int p) {
        return b[p] == 'E' && b[p + 1] == 'x' && b[p + 2] == 'i' && b[p + 3] == 'f' && b[p + 4] == 0 && b[p + 5] == 0;
    }

    /** The orientation in a TIFF structure at [start, end), 0 when absent or out of range. */
    private static int fromTiff(byte[] b, int start, int end) {
        if (start + 8 > end) {
            return 0;
        }
        boolean little;
        if (b[start] == 'I' && b[start + 1] == 'I') {
            little = true;
        } else if (b[start] == 'M' && b[start + 1] == 'M') {
            little = false;
        } else {
            return 0;
        }
        if (u16(b, start + 2, little) != 42) {
            return 0;
        }
        long ifd = u32(b, start + 4, little);
        if (ifd < 8 || start + ifd + 2 > end) {
            return 0;
        }
        int at = (int) (start + ifd);
        int entries = u16(b, at, little);
        for (int i = 0; i < entries; i++) {
            int e = at + 2 + 12 * i;
            if (e + 12 > end) {
                return 0;
            }
            if (u16(b, e, little) == 0x0112 && u16(b, e + 2, little) == 3) { // SHORT
                int v = u16(b, e + 8, little);
                return v >= 1 && v <= 8 ? v : 0;
            }
        }
        return 0;
    }

    private static int u16(byte[] b, int p, boolean little) {
        int a = b[p] & 0xFF;
        int c = b[p + 1] & 0xFF;
        return little ? a | (c << 8) : (a << 8) | c;
    }

    private static long u32(byte[] b, int p, boolean little) {
        long hi = u16(b, little ? p + 2 : p, little);
        long lo = u16(b, little ? p : p + 2, little);
        return (hi << 16) | lo;
    }

    /** Whether an image of this orientation is upright with its height and width swapped. */
    static boolean swapsSides(int orientation) {
        return orientation >= 5;
    }

    /**
     * The {@code h x w} pixels of {@code n} interleaved bytes each in {@code data}, turned upright:
     * a new array, {@code w x h} when {@link #swapsSides}; {@code data} itself when normal.
     */
    static byte[] upright(int orientation, int h, int w, int n, byte[] data) {
        if (orientation == NORMAL) {
            return data;
        }
        boolean swap = swapsSides(orientation);
        int oh = swap ? w : h;
        int ow = swap ? h : w;
        byte[] out = new byte[data.length];
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                int sy;
                int sx;
                switch (orientation) {
                    case 2 -> { sy = y; sx = w - 1 - x; }          // mirrored left to right
                    case 3 -> { sy = h - 1 - y; sx = w - 1 - x; }  // rotated 180
                    case 4 -> { sy = h - 1 - y; sx = x; }          // mirrored top to bottom
                    case 5 -> { sy = x; sx = y; }                  // transposed
                    case 6 -> { sy = h - 1 - x; sx = y; }          // turned 90 degrees clockwise
                    case 7 -> { sy = h - 1 - x; sx = w - 1 - y; }  // transversed
                    case 8 -> { sy = x; sx = w - 1 - y; }          // turned 90 degrees anticlockwise
                    default -> throw new IllegalArgumentException("EXIF orientation " + orientation + " is not 1..8");
                }
                System.arraycopy(data, (sy * w + sx) * n, out, (y * ow + x) * n, n);
            }
        }
        return out;
    }
}
