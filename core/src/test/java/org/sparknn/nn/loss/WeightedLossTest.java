package org.sparknn.nn.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Example weights: each example's loss and gradient row scaled by its weight. */
class WeightedLossTest {
    private static final int BATCH = 5;
    private static final int CLASSES = 4;

    @Test
    void weighsEachExampleAndLeavesUnweightedSumsAsTheyWere() {
        SplittableRandom r = new SplittableRandom(3);
        float[] out = new float[BATCH * CLASSES];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) r.nextDouble(0.05, 1);
        }
        int[] labels = {9, 9, 2, 0, 3, 1, 1}; // from offset 2
        float[] weights = {-7, -7, 0.5f, 0f, 2f, 1.25f, 3f};
        for (Loss loss : List.of(new SoftmaxCrossEntropy(), new MeanSquaredError(), new Hinge())) {
            float[] plainGrad = new float[out.length];
            double plain = loss.lossAndGradient(out, labels, 2, BATCH, CLASSES, plainGrad);
            float[] none = new float[out.length];
            assertEquals(plain, loss.lossAndGradient(out, labels, null, 2, BATCH, CLASSES, none), 0.0, loss.name());
            assertArrayEquals(plainGrad, none, loss.name());

            float[] grad = new float[out.length];
            double weighted = loss.lossAndGradient(out, labels, weights, 2, BATCH, CLASSES, grad);
            double expected = 0;
            for (int b = 0; b < BATCH; b++) {
                float[] one = new float[CLASSES];
                float[] row = java.util.Arrays.copyOfRange(out, b * CLASSES, (b + 1) * CLASSES);
                double l = loss.lossAndGradient(row, new int[] {labels[2 + b]}, 0, 1, CLASSES, one);
                expected += weights[2 + b] * l;
                for (int k = 0; k < CLASSES; k++) {
                    assertEquals(weights[2 + b] * one[k], grad[b * CLASSES + k], 1e-7, loss.name() + " row " + b);
                }
            }
            assertEquals(expected, weighted, 1e-12, loss.name());
        }
    }
}
