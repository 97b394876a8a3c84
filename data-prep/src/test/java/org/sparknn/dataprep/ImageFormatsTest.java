package org.sparknn.dataprep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparknn.io.HadoopFiles;

/**
 * Image kinds a photo folder holds beyond 8-bit RGB and gray: each decodes to the pixels it shows,
 * or is rejected with a reason; and the header read that shape inference uses agrees with the
 * decode on every one.
 */
class ImageFormatsTest {
    @TempDir
    Path dir;

    private static byte[] encode(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, format, out), "no ImageIO writer for " + format + " of " + img);
        return out.toByteArray();
    }

    /** The decode of {@code bytes}, after checking that the header read gives its shape (null for a reject). */
    private Row decodeAndCheckHeader(String name, byte[] bytes) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, bytes);
        Row row = ImageFiles.decode(file.toUri().toString(), bytes);
        int[] header = ImageFiles.header(new HadoopFiles(new Configuration()),
            new ImageFiles.Entry(file.toUri().toString(), bytes.length, null));
        if (row.isNullAt(5)) {
            assertArrayEquals(new int[] {row.getInt(1), row.getInt(2), row.getInt(3)}, header, name);
        } else {
            assertNull(header, name + " is not readable from its header either");
        }
        return row;
    }

    /** A JPEG with an APP1 Exif segment holding the orientation, right after the start of image. */
    static byte[] withOrientation(byte[] jpeg, int orientation, boolean littleEndian) {
        java.nio.ByteBuffer tiff = java.nio.ByteBuffer.allocate(26)
            .order(littleEndian ? java.nio.ByteOrder.LITTLE_ENDIAN : java.nio.ByteOrder.BIG_ENDIAN);
        tiff.put((byte) (littleEndian ? 'I' : 'M')).put((byte) (littleEndian ? 'I' : 'M')).putShort((short) 42).putInt(8)
            .putShort((short) 1) // one entry
            .putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) orientation).putShort((short) 0)
            .putInt(0); // no next directory
        byte[] exif = new byte[6 + tiff.capacity()];
        System.arraycopy(new byte[] {'E', 'x', 'i', 'f', 0, 0}, 0, exif, 0, 6);
        System.arraycopy(tiff.array(), 0, exif, 6, tiff.capacity());
        int segment = exif.length + 2;
        byte[] out = new byte[jpeg.length + 2 + segment];
        out[0] = (byte) 0xFF;
        out[1] = (byte) 0xD8;
        out[2] = (byte) 0xFF;
        out[3] = (byte) 0xE1;
        out[4] = (byte) (segment >> 8);
        out[5] = (byte) segment;
        System.arraycopy(exif, 0, out, 6, exif.length);
        System.arraycopy(jpeg, 2, out, 6 + exif.length, jpeg.length - 2);
        return out;
    }

    @Test
    void aJpegIsTurnedAsItsExifOrientationSays() throws IOException {
        // 16 x 24 (height x width) gray quadrants a b / c d, flat, so the JPEG keeps them
        int[][] quadrant = {{20, 90}, {160, 230}};
        BufferedImage img = new BufferedImage(24, 16, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 24; x++) {
                img.getRaster().setSample(x, y, 0, quadrant[y / 8][x / 12]);
            }
        }
        byte[] jpeg = encode(img, "jpg");
        int a = 20;
        int b = 90;
        int c = 160;
        int d = 230;
        // the quadrants upright, per orientation, as Pillow's exif_transpose turns them
        int[][][] expected = {null, {{a, b}, {c, d}}, {{b, a}, {d, c}}, {{d, c}, {b, a}}, {{c, d}, {a, b}},
            {{a, c}, {b, d}}, {{c, a}, {d, b}}, {{d, b}, {c, a}}, {{b, d}, {a, c}}};
        for (int o = 1; o <= 8; o++) {
            for (boolean little : new boolean[] {false, true}) {
                Row row = decodeAndCheckHeader("o" + o + (little ? "-ii" : "-mm") + ".jpg", withOrientation(jpeg, o, little));
                int h = row.getInt(1);
                int w = row.getInt(2);
                assertEquals(o >= 5 ? 24 : 16, h, "orientation " + o);
                assertEquals(o >= 5 ? 16 : 24, w, "orientation " + o);
                byte[] px = (byte[]) row.get(4);
                for (int qy = 0; qy < 2; qy++) {
                    for (int qx = 0; qx < 2; qx++) {
                        int centre = px[(qy * h / 2 + h / 4) * w + qx * w / 2 + w / 4] & 0xFF;
                        assertEquals(expected[o][qy][qx], centre, 6, "orientation " + o + ", quadrant " + qy + "," + qx);
                    }
                }
            }
        }
        assertEquals(JpegHeader.NORMAL, JpegHeader.orientation(jpeg, jpeg.length), "no EXIF: as stored");
    }

    @Test
    void aColourJpegsBytesAreItsPixelsInBgrOrder() throws IOException {
        BufferedImage img = new BufferedImage(13, 7, BufferedImage.TYPE_INT_RGB);
        java.util.SplittableRandom random = new java.util.SplittableRandom(5);
        for (int y = 0; y < 7; y++) {
            for (int x = 0; x < 13; x++) {
                img.setRGB(x, y, random.nextInt(1 << 24));
            }
        }
        byte[] jpeg = encode(img, "jpg");
        BufferedImage decoded = ImageIO.read(new java.io.ByteArrayInputStream(jpeg));
        assertEquals(BufferedImage.TYPE_3BYTE_BGR, decoded.getType(), "the raster the fast path copies");
        byte[] expected = new byte[7 * 13 * 3];
        for (int y = 0, o = 0; y < 7; y++) {
            for (int x = 0; x < 13; x++, o += 3) {
                int rgb = decoded.getRGB(x, y);
                expected[o] = (byte) rgb;
                expected[o + 1] = (byte) (rgb >>> 8);
                expected[o + 2] = (byte) (rgb >>> 16);
            }
        }
        Row row = decodeAndCheckHeader("colour.jpg", jpeg);
        assertArrayEquals(expected, (byte[]) row.get(4));
    }

    @Test
    void aCmykJpegIsRejectedWithTheReason() throws IOException {
        WritableRaster cmyk = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 8, 8, 4, null);
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            writer.write(null, new IIOImage(cmyk, null, null), null);
        } finally {
            writer.dispose();
        }
        byte[] bytes = out.toByteArray();
        assertEquals(4, JpegHeader.components(bytes, bytes.length));
        Row row = decodeAndCheckHeader("cmyk.jpg", bytes);
        assertEquals(ImageFiles.CMYK, row.getString(5));
    }

    @Test
    void sixteenBitPngsKeepTheirHighByte() throws IOException {
        BufferedImage gray = new BufferedImage(3, 2, BufferedImage.TYPE_USHORT_GRAY);
        for (int i = 0; i < 6; i++) {
            gray.getRaster().setSample(i % 3, i / 3, 0, (40 * i + 7) * 257);
        }
        Row g = decodeAndCheckHeader("gray16.png", encode(gray, "png"));
        assertEquals(1, g.getInt(3));
        assertArrayEquals(new byte[] {7, 47, 87, 127, (byte) 167, (byte) 207}, (byte[]) g.get(4));

        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false,
            Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        BufferedImage rgb = new BufferedImage(cm, cm.createCompatibleWritableRaster(2, 1), false, null);
        rgb.getRaster().setPixel(0, 0, new int[] {200 * 257, 100 * 257, 50 * 257});
        rgb.getRaster().setPixel(1, 0, new int[] {0, 255 * 257, 1 * 257});
        Row c = decodeAndCheckHeader("rgb16.png", encode(rgb, "png"));
        assertEquals(3, c.getInt(3));
        // interleaved B, G, R
        assertArrayEquals(new byte[] {50, 100, (byte) 200, 1, (byte) 255, 0}, (byte[]) c.get(4));
    }

    @Test
    void aPalettePngDecodesToItsColours() throws IOException {
        byte[] r = {(byte) 255, 0, 10, (byte) 128};
        byte[] g = {0, (byte) 255, 20, (byte) 128};
        byte[] b = {0, 0, 30, (byte) 128};
        BufferedImage img = new BufferedImage(4, 1, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(2, 4, r, g, b));
        for (int x = 0; x < 4; x++) {
            img.getRaster().setSample(x, 0, 0, 3 - x);
        }
        Row row = decodeAndCheckHeader("palette.png", encode(img, "png"));
        assertEquals(3, row.getInt(3));
        // a palette with a transparent entry decodes with alpha; so does RGBA; the header read agrees
        BufferedImage clear = new BufferedImage(4, 1, BufferedImage.TYPE_BYTE_INDEXED,
            new IndexColorModel(2, 4, r, g, b, 0));
        assertEquals(4, decodeAndCheckHeader("palette-alpha.png", encode(clear, "png")).getInt(3));
        assertEquals(4, decodeAndCheckHeader("rgba.png", encode(new BufferedImage(3, 2, BufferedImage.TYPE_INT_ARGB),
            "png")).getInt(3));
        assertEquals(3, decodeAndCheckHeader("rgb.jpg", encode(new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB),
            "jpg")).getInt(3));
        assertArrayEquals(new byte[] {(byte) 128, (byte) 128, (byte) 128, 30, 20, 10, 0, (byte) 255, 0, 0, 0, (byte) 255},
            (byte[]) row.get(4));
    }
}
