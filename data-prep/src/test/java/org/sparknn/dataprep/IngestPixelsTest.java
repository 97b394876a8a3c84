package org.sparknn.dataprep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** What ingest stores in the uint8 encoding. */
class IngestPixelsTest {
    @Test
    void onlyWholeValuesFrom0To255AreStoredAsPixels() {
        assertArrayEquals(new byte[] {0, 127, (byte) 128, (byte) 255},
            Ingest.pixels(new float[] {0, 127, 128, 255}, "ok"));
        for (float bad : new float[] {-1, 256, 12.5f, Float.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Ingest.pixels(new float[] {3, bad}, "img-7"));
            assertEquals("row 'img-7': value 1 is " + bad + ", not an 8-bit pixel value"
                + " (0..255): the uint8 encoding cannot store it; use --encoding float32", e.getMessage());
        }
    }
}
