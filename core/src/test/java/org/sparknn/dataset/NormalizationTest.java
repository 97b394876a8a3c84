package org.sparknn.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.sparknn.nn.spec.Normalization;

class NormalizationTest {
    @Test
    void channelStatisticsMatchHandValuesWhateverTheMergeOrder() {
        // Two 2-channel images of 2 pixels, scale 0.5:
        // channel 0 scaled values 1, 2, 3, 6 -> mean 3, population variance (4+1+0+9)/4 = 3.5
        // channel 1 scaled values 0, 0, 5, 5 -> mean 2.5, variance 6.25
        float[] a = {2, 4, 0, 0};
        float[] b = {6, 12, 10, 10};
        ChannelStats one = new ChannelStats(2).add(a, 0.5).add(b, 0.5);
        ChannelStats merged = new ChannelStats(2).add(b, 0.5).merge(new ChannelStats(2).add(a, 0.5));
        for (ChannelStats s : new ChannelStats[] {one, merged}) {
            assertArrayEquals(new double[] {3, 2.5}, s.mean(), 1e-12);
            assertArrayEquals(new double[] {Math.sqrt(3.5), 2.5}, s.std(), 1e-12);
            assertEquals(4, s.count(0));
        }
        ChannelStats empty = new ChannelStats(2);
        assertArrayEquals(one.mean(), empty.merge(one).mean(), 0);
    }

    @Test
    void applyScalesThenStandardizesPerChannel() {
        Normalization n = new Normalization(0.5, new double[] {3, 2.5}, new double[] {2, 0.5});
        float[] x = {2, 10, 0, 6};
        n.applyInPlace(x, 2);
        assertArrayEquals(new float[] {(1 - 3) / 2f, (5 - 3) / 2f, (0 - 2.5f) / 0.5f, (3 - 2.5f) / 0.5f}, x, 1e-6f);
        float[] y = {255, 0};
        Normalization.scaleOnly(Normalization.PIXEL_SCALE).applyInPlace(y, 1);
        assertArrayEquals(new float[] {1, 0}, y, 1e-7f);
    }

    @Test
    void invertUndoesApply() {
        float[] raw = {2, 10, 0, 6};
        for (Normalization n : new Normalization[] {new Normalization(0.5, new double[] {3, 2.5}, new double[] {2, 0.5}),
            Normalization.scaleOnly(Normalization.PIXEL_SCALE)}) {
            float[] x = raw.clone();
            n.applyInPlace(x, 2);
            n.invertInPlace(x, 2);
            assertArrayEquals(raw, x, 1e-5f);
        }
    }

    @Test
    void constantChannelCannotBeStandardized() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new Normalization(1, new double[] {0.5}, new double[] {0}));
        assertEquals("channel 0 has mean 0.5 and std 0.0: standardization needs a finite mean and a positive std"
            + " (is the channel constant?)", e.getMessage());
    }

    @Test
    void channelCountMismatchIsAnError() {
        Normalization n = new Normalization(1, new double[] {0, 0, 0}, new double[] {1, 1, 1});
        assertThrows(IllegalArgumentException.class, () -> n.applyInPlace(new float[4], 1));
    }
}
