package org.sparknn.nn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.sparknn.nn.layer.Conv2D;
import org.sparknn.nn.layer.Init;
import org.sparknn.nn.layer.Layer;
import org.sparknn.nn.layer.Shape;
import org.sparknn.nn.linalg.Blas;
import org.sparknn.nn.loss.SoftmaxCrossEntropy;
import org.sparknn.nn.optim.Adam;
import org.sparknn.nn.optim.Regularization;
import org.sparknn.nn.optim.Sgd;

/** Small cases computed by hand; the arithmetic is in the comments. */
class GoldenValuesTest {
    @Test
    void twoAdamSteps() {
        Adam adam = Adam.defaults();
        float[] w = {1f};
        float[] state = new float[2];
        adam.apply(w, new float[] {0.5f}, state, 1, 0.001);
        // m = 0.1 * 0.5 = 0.05; v = 0.001 * 0.25 = 0.00025
        // alpha = 0.001 * sqrt(1 - 0.999) / (1 - 0.9) = 3.16227766e-4
        // w = 1 - alpha * 0.05 / (sqrt(0.00025) + 1e-7) = 1 - 9.99993675e-4
        assertEquals(0.05f, state[0], 1e-9f);
        assertEquals(0.00025f, state[1], 1e-10f);
        assertEquals(0.999000006325, w[0], 1e-7);
        adam.apply(w, new float[] {-0.2f}, state, 2, 0.001);
        // m = 0.9 * 0.05 + 0.1 * -0.2 = 0.025; v = 0.999 * 0.00025 + 0.001 * 0.04 = 0.00028975
        // alpha = 0.001 * sqrt(1 - 0.998001) / (1 - 0.81) = 2.35316e-4
        // w -= alpha * 0.025 / (sqrt(0.00028975) + 1e-7) = 3.45604e-4
        assertEquals(0.025f, state[0], 1e-8f);
        assertEquals(0.00028975f, state[1], 1e-10f);
        assertEquals(0.999000006325 - 3.456042e-4, w[0], 2e-7);
    }

    @Test
    void adamWDecaysBeforeTheStep() {
        float[] w = {2f};
        new Adam(0.9, 0.999, 1e-7, 0.1).apply(w, new float[] {0f}, new float[2], 1, 0.01);
        // zero gradient: only the decay 2 * (1 - 0.01 * 0.1) = 1.998
        assertEquals(1.998f, w[0], 1e-6f);
    }

    /** Adam element by element over one state array [m, v], as written in the formula. */
    private static void adamByElement(Adam o, float[] w, float[] g, float[] state, long step, double lr) {
        int n = w.length;
        float a = (float) (lr * Math.sqrt(1 - Math.pow(o.beta2(), step)) / (1 - Math.pow(o.beta1(), step)));
        float decay = (float) (lr * o.weightDecay());
        for (int i = 0; i < n; i++) {
            w[i] -= decay * w[i];
            float m = state[i] + (g[i] - state[i]) * (float) (1 - o.beta1());
            float v = state[n + i] + (g[i] * g[i] - state[n + i]) * (float) (1 - o.beta2());
            state[i] = m;
            state[n + i] = v;
            w[i] -= a * m / ((float) Math.sqrt(v) + (float) o.epsilon());
        }
    }

    @Test
    void chunkedAdamHasTheBitsOfTheElementwiseFormula() {
        for (Adam adam : new Adam[] {Adam.defaults(), new Adam(0.9, 0.999, 1e-7, 0.01)}) {
            int n = 5000; // three chunks, the last one partial
            java.util.SplittableRandom rng = new java.util.SplittableRandom(5);
            float[] w = new float[n];
            for (int i = 0; i < n; i++) {
                w[i] = (float) rng.nextGaussian();
            }
            float[] expectedW = w.clone();
            float[] state = new float[2 * n];
            float[] expectedState = new float[2 * n];
            for (int step = 1; step <= 3; step++) {
                float[] g = new float[n];
                for (int i = 0; i < n; i++) {
                    g[i] = (float) rng.nextGaussian();
                }
                adam.apply(w, g, state, step, 0.003);
                adamByElement(adam, expectedW, g, expectedState, step, 0.003);
            }
            assertArrayEquals(expectedW, w, adam.describe());
            assertArrayEquals(expectedState, state, adam.describe());
        }
    }

    @Test
    void sgdMomentumAndNesterov() {
        float[] w = {1f};
        float[] v = new float[1];
        Sgd sgd = new Sgd(0.9, false);
        sgd.apply(w, new float[] {0.5f}, v, 1, 0.1);
        // v = -0.1 * 0.5 = -0.05, w = 0.95
        assertEquals(0.95f, w[0], 1e-7f);
        sgd.apply(w, new float[] {0.5f}, v, 2, 0.1);
        // v = 0.9 * -0.05 - 0.05 = -0.095, w = 0.855
        assertEquals(0.855f, w[0], 1e-6f);

        float[] wn = {1f};
        new Sgd(0.9, true).apply(wn, new float[] {0.5f}, new float[1], 1, 0.1);
        // v = -0.05; w += 0.9 * -0.05 - 0.05 = -0.095
        assertEquals(0.905f, wn[0], 1e-6f);
    }

    @Test
    void regularizationGradient() {
        float[] w = {0.5f, -2f};
        float[] g = {0f, 0f};
        Regularization r = new Regularization(0.1, 0.01);
        double penalty = r.penalty(w, 0, 2);
        r.addGradient(w, g, 0, 2);
        // penalty = 0.1 * 2.5 + 0.01 * 4.25; gradient = 0.1 * sign(w) + 0.02 * w
        assertEquals(0.2925, penalty, 1e-7);
        assertArrayEquals(new float[] {0.11f, -0.14f}, g, 1e-7f);
    }

    /** The 4x4 input 1..16 with the kernel [[1,0,-1],[0,1,0],[-1,0,1]] and bias 0.5. */
    private static float[] conv4x4(boolean same) {
        Conv2D conv = new Conv2D("conv", new Shape(1, 4, 4), 1, 3, 3, 1, same, Init.GLOROT_UNIFORM, false, Blas.get());
        float[] p = {1, 0, -1, 0, 1, 0, -1, 0, 1, 0.5f};
        float[] x = new float[16];
        for (int i = 0; i < 16; i++) {
            x[i] = i + 1;
        }
        float[] y = new float[conv.outputShape().size()];
        Layer.Scratch s = conv.scratch(1);
        conv.forward(p, 0, x, y, 1, s, false, 0);
        return y;
    }

    @Test
    void conv2dForwardOn4x4() {
        // valid: y00 = 1 - 3 + 6 - 9 + 11 = 6; y01 = 2 - 4 + 7 - 10 + 12 = 7;
        //        y10 = 5 - 7 + 10 - 13 + 15 = 10; y11 = 6 - 8 + 11 - 14 + 16 = 11; plus 0.5
        assertArrayEquals(new float[] {6.5f, 7.5f, 10.5f, 11.5f}, conv4x4(false));
        // same: y00 sees the centre 1 and the bottom-right 6, the rest is padding: 7 + 0.5
        float[] same = conv4x4(true);
        assertEquals(16, same.length);
        assertEquals(7.5f, same[0]);
        assertEquals(conv4x4(false)[0], same[5], "interior outputs equal the valid ones");
    }

    @Test
    void initializersHaveTheirVariance() {
        int fanIn = 300;
        int fanOut = 100;
        double glorot = 2.0 / (fanIn + fanOut);
        double he = 2.0 / fanIn;
        double[][] cases = {{0, glorot}, {1, glorot}, {2, he}, {3, he}};
        for (double[] c : cases) {
            Init init = Init.values()[(int) c[0]];
            float[] w = new float[200_000];
            init.fill(w, 0, w.length, fanIn, fanOut, new java.util.SplittableRandom(1));
            double sum = 0;
            double sq = 0;
            for (float v : w) {
                sum += v;
                sq += (double) v * v;
            }
            double mean = sum / w.length;
            assertEquals(0, mean, 0.01 * Math.sqrt(c[1]), init + " mean");
            assertEquals(c[1], sq / w.length - mean * mean, 0.02 * c[1], init + " variance");
            float[] again = new float[w.length];
            init.fill(again, 0, again.length, fanIn, fanOut, new java.util.SplittableRandom(1));
            assertArrayEquals(w, again, init + " is seeded");
        }
    }

    @Test
    void crossEntropyWithLargeLogitsIsFinite() {
        float[] z = {1000f, 0f, -1000f, 1000f, 0f, -1000f};
        float[] dz = new float[6];
        double loss = new SoftmaxCrossEntropy().lossAndGradient(z, new int[] {0, 1}, 0, 2, 3, dz);
        // example 0: logsumexp = 1000 (+ log(1 + e^-1000 + e^-2000) = 0), minus z0 = 1000 -> 0
        // example 1: 1000 - 0 = 1000; gradients softmax - onehot = [1, -1, 0]
        assertEquals(1000.0, loss, 1e-9);
        assertArrayEquals(new float[] {0f, 0f, 0f, 1f, -1f, 0f}, dz);
    }
}
