package org.sparknn.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;
import org.sparknn.nn.spec.Normalization;

class PixelTableTest {
    /** 2 channels of 3 pixels each, channel-height-width: the table gives what applyInPlace computes, bit for bit. */
    @Test
    void decodesEachChannelWithItsOwnStatistics() {
        Normalization n = Normalization.scaleOnly(Normalization.PIXEL_SCALE)
            .withStatistics(new double[] {0.5, 0.25}, new double[] {0.2, 0.1});
        byte[] pixels = {0, (byte) 128, (byte) 255, 7, (byte) 200, 1};
        float[] expected = {0, 128, 255, 7, 200, 1};
        n.applyInPlace(expected, 2);
        float[] got = new float[8];
        new PixelTable(n, 2).decode(pixels, got, 1);
        float[] window = java.util.Arrays.copyOfRange(got, 1, 7);
        assertArrayEquals(expected, window);
        assertArrayEquals(new float[] {(float) ((0 - 0.5) / 0.2), (float) ((7 / 255.0 - 0.25) / 0.1)},
            new float[] {got[1], got[4]}, 1e-6f, "by hand: (p/255 - mean) / std per channel");
        assertArrayEquals(new float[] {0, 0}, new float[] {got[0], got[7]}, "nothing written outside the row");
    }

    @Test
    void scalingOnlyIsTheScaledPixelValue() {
        float[] got = new PixelTable(Normalization.scaleOnly(Normalization.PIXEL_SCALE), 1).decode(new byte[] {0, 51, (byte) 255});
        assertArrayEquals(new float[] {0f, 51 * (float) Normalization.PIXEL_SCALE, 255 * (float) Normalization.PIXEL_SCALE}, got);
    }

    @Test
    void aPixelCountThatIsNoWholeNumberOfPlanesIsRefused() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
            () -> new PixelTable(Normalization.scaleOnly(1), 3).decode(new byte[7]));
        org.junit.jupiter.api.Assertions.assertEquals("7 pixel values cannot be 3 channel planes of equal size", e.getMessage());
    }
}
