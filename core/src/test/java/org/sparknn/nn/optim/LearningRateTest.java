package org.sparknn.nn.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LearningRateTest {
    @Test
    void warmUpThenCosineToTheMinimum() {
        // 10 steps per epoch, 5 epochs, half an epoch of warm-up: 5 warm-up steps, 45 cosine steps
        LearningRate lr = new LearningRate(0.01, LearningRate.Schedule.cosine, 1, 1, 0.001, 0.5);
        assertEquals(0.002, lr.at(0, 10, 50), 1e-12, "warm-up step 1 of 5");
        assertEquals(0.01, lr.at(4, 10, 50), 1e-12, "end of warm-up");
        assertEquals(0.01, lr.at(5, 10, 50), 1e-12, "cosine starts at the peak");
        // 22 of 45 cosine steps done: close to halfway, min + (base - min) / 2 = 0.0055
        assertEquals(0.001 + 0.5 * 0.009 * (1 + Math.cos(Math.PI * 22 / 45.0)), lr.at(27, 10, 50), 1e-12);
        assertEquals(0.001, lr.at(50, 10, 50), 1e-12, "ends at the minimum");
    }

    @Test
    void stepDecayAndConstant() {
        LearningRate step = new LearningRate(0.1, LearningRate.Schedule.step, 2, 0.5, 0, 0);
        assertEquals(0.1, step.at(19, 10, 100), 1e-12, "epochs 0 and 1");
        assertEquals(0.05, step.at(20, 10, 100), 1e-12, "epoch 2");
        assertEquals(0.025, step.at(45, 10, 100), 1e-12, "epoch 4");
        assertEquals(0.003, LearningRate.constant(0.003).at(999, 10, 100));
        assertThrows(IllegalArgumentException.class, () -> new LearningRate(0.1, LearningRate.Schedule.step, 0, 0.5, 0, 0));
    }
}
