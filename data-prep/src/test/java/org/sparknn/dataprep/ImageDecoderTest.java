package org.sparknn.dataprep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class ImageDecoderTest {
    /** A 1x2 BGR image: pixel 0 is (b=10, g=20, r=30), pixel 1 is (b=200, g=100, r=0). */
    private static final byte[] BGR = {10, 20, 30, (byte) 200, 100, 0};

    @Test
    void colorBecomesRgbPlanes() {
        float[] out = new float[6];
        assertNull(new ImageDecoder(1, 2, 3, false).decode(1, 2, 3, BGR, out));
        assertArrayEquals(new float[] {30, 0, 20, 100, 10, 200}, out);
    }

    @Test
    void alphaIsIgnored() {
        byte[] bgra = {10, 20, 30, (byte) 255, (byte) 200, 100, 0, 7};
        float[] out = new float[6];
        assertNull(new ImageDecoder(1, 2, 3, false).decode(1, 2, 4, bgra, out));
        assertArrayEquals(new float[] {30, 0, 20, 100, 10, 200}, out);
    }

    @Test
    void colorToGrayUsesLumaWeightsRoundedAsPillowRounds() {
        float[] out = new float[2];
        assertNull(new ImageDecoder(1, 2, 1, false).decode(1, 2, 3, BGR, out));
        // Pillow 13: Image.new("RGB", (4, 1)) with these pixels, convert("L") gives [22, 82, 255, 31]
        assertArrayEquals(new float[] {22, 82}, out, "0.299*30 + 0.587*20 + 0.114*10 = 21.85; 0.587*100 + 0.114*200 = 81.5");
        assertEquals(22, ImageDecoder.luma(30, 20, 10));
        assertEquals(82, ImageDecoder.luma(0, 100, 200));
        assertEquals(255, ImageDecoder.luma(255, 255, 255));
        assertEquals(31, ImageDecoder.luma(1, 2, 255));
    }

    @Test
    void grayIsReplicatedIntoRgb() {
        float[] out = new float[6];
        assertNull(new ImageDecoder(1, 2, 3, false).decode(1, 2, 1, new byte[] {5, (byte) 250}, out));
        assertArrayEquals(new float[] {5, 250, 5, 250, 5, 250}, out);
    }

    @Test
    void wrongSizeIsReportedUnlessResizing() {
        float[] out = new float[4];
        String reason = new ImageDecoder(2, 2, 1, false).decode(1, 2, 1, new byte[] {0, 100}, out);
        assertEquals("image is 1x2 (height x width), expected 2x2; pass --resize to resize it", reason);
        assertNull(new ImageDecoder(2, 2, 1, true).decode(1, 2, 1, new byte[] {0, 100}, out));
        // every output row repeats the single source row; columns keep the two source values
        assertArrayEquals(new float[] {0, 100, 0, 100}, out);
    }

    @Test
    void boxShrinkAveragesWhatEachPixelCoversRoundedAsPillowRounds() {
        // 1x4 -> 1x2: each output pixel is the mean of two, plus a half, floored
        float[] out = new float[2];
        assertNull(new ImageDecoder(1, 2, 1, Resample.Filter.BOX).decode(1, 4, 1, new byte[] {0, 100, 50, 51}, out));
        assertArrayEquals(new float[] {50, 51}, out);
    }

    @Test
    void undecodableAndInconsistentImagesGiveReasons() {
        float[] out = new float[2];
        ImageDecoder d = new ImageDecoder(1, 2, 1, false);
        assertEquals("not a decodable image (PNG or JPEG expected)", d.decode(-1, -1, -1, new byte[0], out));
        assertEquals("image data has 3 bytes, expected 2 for 1x2x1", d.decode(1, 2, 1, new byte[3], out));
        assertEquals("image has 2 channels, expected 1, 3 or 4", d.decode(1, 2, 2, new byte[4], out));
    }
}
