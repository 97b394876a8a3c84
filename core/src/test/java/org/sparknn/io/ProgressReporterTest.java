package org.sparknn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ProgressReporterTest {
    @Test
    void countsShowTheRateAndTheTimeLeftWhileInputsRemain() {
        assertEquals(" | 0 of 70,000 images", ProgressReporter.counted("images", 0, 70_000, 3));
        assertEquals(" | 12,000 of 70,000 images, 3,000 images/s, ETA 0:00:19",
            ProgressReporter.counted("images", 12_000, 70_000, 4));
        assertEquals(" | 1,000 of 3,601,000 images, 1,000 images/s, ETA 1:00:00",
            ProgressReporter.counted("images", 1_000, 3_601_000, 1));
        assertEquals(" | 70,000 of 70,000 images", ProgressReporter.counted("images", 70_000, 70_000, 20));
    }
}
