package org.sparknn.nn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sparknn.nn.layer.Activation;
import org.sparknn.nn.layer.Conv2D;
import org.sparknn.nn.layer.Dense;
import org.sparknn.nn.layer.Dropout;
import org.sparknn.nn.layer.Flatten;
import org.sparknn.nn.layer.Init;
import org.sparknn.nn.layer.Layer;
import org.sparknn.nn.layer.MaxPool2D;
import org.sparknn.nn.layer.Shape;
import org.sparknn.nn.linalg.Blas;
import org.sparknn.nn.loss.Hinge;
import org.sparknn.nn.loss.Loss;
import org.sparknn.nn.loss.MeanSquaredError;
import org.sparknn.nn.loss.SoftmaxCrossEntropy;
import org.sparknn.nn.spec.LayerSpec;
import org.sparknn.nn.spec.NetworkSpec;

/**
 * Central-difference gradient checks in the manner of Caffe's checker: objective
 * {@code L = sum(r * y)} for a fixed random r, step 1e-2, tolerance 2e-3 scaled by
 * max(|analytic|, |numeric|, 1), points on a kink (ReLU near 0, max-pool near-ties) skipped,
 * the same seed before every forward so dropout masks repeat.
 */
class GradientCheckTest {
    static final float EPS = 1e-2f;
    static final double TOL = 2e-3;
    static final int BATCH = 3;
    static final Blas BLAS = Blas.get();

    private static float[] random(int n, SplittableRandom rng, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) ((rng.nextDouble() * 2 - 1) * scale);
        }
        return a;
    }

    /** sum(r * y) after a training forward pass with the fixed seed. */
    private static double objective(Layer l, float[] p, float[] x, float[] y, float[] r, Layer.Scratch s) {
        l.forward(p, 0, x, y, BATCH, s, true, 1234L);
        double sum = 0;
        for (int i = 0; i < BATCH * l.outputShape().size(); i++) {
            sum += (double) r[i] * y[i];
        }
        return sum;
    }

    static void assertClose(double analytic, double numeric, String what) {
        double scale = Math.max(Math.max(Math.abs(analytic), Math.abs(numeric)), 1.0);
        assertTrue(Math.abs(analytic - numeric) <= TOL * scale,
            what + ": analytic " + analytic + " vs numeric " + numeric);
    }

    /** Checks parameter and input gradients; {@code onKink} says which inputs to skip. */
    static int check(Layer l, float[] x, java.util.function.IntPredicate onKink) {
        SplittableRandom rng = new SplittableRandom(7);
        int inN = BATCH * l.inputShape().size();
        int outN = BATCH * l.outputShape().size();
        float[] p = random(l.paramCount(), rng, 0.5);
        float[] r = random(outN, rng, 1.0);
        float[] y = new float[outN];
        Layer.Scratch s = l.scratch(BATCH);
        objective(l, p, x, y, r, s);
        float[] g = new float[l.paramCount()];
        float[] dx = new float[inN];
        l.backward(p, 0, g, x, y, r.clone(), dx, BATCH, s);
        java.util.function.DoubleSupplier f = () -> objective(l, p, x, y, r, s);
        return central(p, g, i -> false, f, l.name() + " param") + central(x, dx, onKink, f, l.name() + " input");
    }

    /** Compares {@code analytic[i]} with the central difference of {@code f} in {@code values[i]}. */
    static int central(float[] values, float[] analytic, java.util.function.IntPredicate skip,
                       java.util.function.DoubleSupplier f, String what) {
        int checked = 0;
        for (int i = 0; i < values.length; i++) {
            if (skip.test(i)) {
                continue;
            }
            float old = values[i];
            values[i] = old + EPS;
            double plus = f.getAsDouble();
            values[i] = old - EPS;
            double minus = f.getAsDouble();
            values[i] = old;
            assertClose(analytic[i], (plus - minus) / (2 * EPS), what + " " + i);
            checked++;
        }
        return checked;
    }

    static int check(Layer l) {
        float[] x = random(BATCH * l.inputShape().size(), new SplittableRandom(3), 1.0);
        return check(l, x, i -> false);
    }

    @Test
    void dense() {
        assertEquals(5 * 4 + 4 + BATCH * 5, check(new Dense("dense", Shape.flat(5), 4, Init.GLOROT_UNIFORM, BLAS)));
    }

    @Test
    void conv2dValid() {
        check(new Conv2D("conv_valid", new Shape(2, 5, 5), 3, 3, 3, 1, false, Init.HE_NORMAL, false, BLAS));
    }

    @Test
    void conv2dSamePaddingWithStride() {
        Conv2D c = new Conv2D("conv_same_s2", new Shape(2, 6, 5), 3, 3, 3, 2, true, Init.GLOROT_NORMAL, false, BLAS);
        assertEquals(new Shape(3, 3, 3), c.outputShape());
        check(c);
    }

    @Test
    void conv2dRectangularKernel() {
        check(new Conv2D("conv_2x3", new Shape(1, 4, 5), 2, 2, 3, 1, false, Init.HE_UNIFORM, false, BLAS));
    }

    @Test
    void conv2dWithFusedReluEqualsConvThenRelu() {
        Shape in = new Shape(2, 5, 5);
        Conv2D fused = new Conv2D("fused", in, 3, 3, 3, 1, true, Init.HE_NORMAL, true, BLAS);
        Conv2D plain = new Conv2D("plain", in, 3, 3, 3, 1, true, Init.HE_NORMAL, false, BLAS);
        Activation relu = new Activation("relu", plain.outputShape(), Activation.Kind.RELU);
        SplittableRandom rng = new SplittableRandom(21);
        float[] p = random(fused.paramCount(), rng, 0.5);
        float[] x = random(BATCH * in.size(), rng, 1.0);
        int outN = BATCH * fused.outputShape().size();
        float[] r = random(outN, rng, 1.0);
        float[] yFused = new float[outN];
        float[] yPlain = new float[outN];
        float[] yRelu = new float[outN];
        Layer.Scratch sf = fused.scratch(BATCH);
        Layer.Scratch sp = plain.scratch(BATCH);
        fused.forward(p, 0, x, yFused, BATCH, sf, true, 0);
        plain.forward(p, 0, x, yPlain, BATCH, sp, true, 0);
        relu.forward(null, 0, yPlain, yRelu, BATCH, Layer.NONE, true, 0);
        org.junit.jupiter.api.Assertions.assertArrayEquals(yRelu, yFused);
        float[] gFused = new float[p.length];
        float[] gPlain = new float[p.length];
        float[] dxFused = new float[x.length];
        float[] dxPlain = new float[x.length];
        float[] dPre = new float[outN];
        fused.backward(p, 0, gFused, x, yFused, r.clone(), dxFused, BATCH, sf);
        relu.backward(null, 0, null, yPlain, yRelu, r, dPre, BATCH, Layer.NONE);
        plain.backward(p, 0, gPlain, x, yPlain, dPre, dxPlain, BATCH, sp);
        org.junit.jupiter.api.Assertions.assertArrayEquals(gPlain, gFused, 1e-6f);
        org.junit.jupiter.api.Assertions.assertArrayEquals(dxPlain, dxFused, 1e-6f);
    }

    @Test
    void maxPoolWithOverlappingWindows() {
        MaxPool2D pool = new MaxPool2D("pool_3s2", new Shape(2, 7, 7), 3, 3, 2);
        assertEquals(new Shape(2, 3, 3), pool.outputShape());
        int n = BATCH * 2 * 49;
        // distinct values 0.05 apart: no two candidates of a window within 2 * EPS of each other
        int[] perm = org.sparknn.nn.random.Seeds.permutation(n, 11);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = perm[i] * 0.05f - 5f;
        }
        check(pool, x, i -> false);
    }

    @Test
    void dropoutWithFixedSeed() {
        check(new Dropout("dropout", Shape.flat(20), 0.4f));
    }

    @Test
    void flatten() {
        check(new Flatten("flatten", new Shape(2, 3, 2)));
    }

    @Test
    void activations() {
        for (Activation.Kind k : Activation.Kind.values()) {
            Layer l = new Activation(k.name(), Shape.flat(6), k);
            float[] x = random(BATCH * 6, new SplittableRandom(5), 2.0);
            check(l, x, i -> k == Activation.Kind.RELU && Math.abs(x[i]) < 2 * EPS);
        }
    }

    private static void checkLoss(Loss loss, float[] out, int[] labels, int classes) {
        float[] d = new float[out.length];
        loss.lossAndGradient(out, labels, 0, BATCH, classes, d);
        float[] scratch = new float[out.length];
        for (int i = 0; i < out.length; i++) {
            float old = out[i];
            out[i] = old + EPS;
            double plus = loss.lossAndGradient(out, labels, 0, BATCH, classes, scratch);
            out[i] = old - EPS;
            double minus = loss.lossAndGradient(out, labels, 0, BATCH, classes, scratch);
            out[i] = old;
            assertClose(d[i], (plus - minus) / (2 * EPS), loss.name() + " output " + i);
        }
    }

    @Test
    void losses() {
        int[] labels = {2, 0, 3};
        for (Loss loss : List.of(new SoftmaxCrossEntropy(), new MeanSquaredError(), new Hinge())) {
            checkLoss(loss, random(BATCH * 4, new SplittableRandom(9), 2.0), labels, 4);
        }
    }

    @Test
    void wholeNetworkWithFusedSoftmaxCrossEntropy() {
        NetworkSpec spec = new NetworkSpec(new Shape(1, 6, 6), List.of(
            LayerSpec.conv2d(2, 3, 2, "same", "tanh"),
            LayerSpec.maxPool(2, 1),
            LayerSpec.flatten(),
            LayerSpec.dense(5, "sigmoid"),
            LayerSpec.dense(3, "softmax")));
        Network net = Network.build(spec, BLAS);
        float[] p = net.initialParams(3);
        Network.Workspace ws = net.workspace(BATCH);
        float[] x = random(BATCH * 36, new SplittableRandom(4), 1.0);
        int[] labels = {0, 2, 1};
        Loss loss = new SoftmaxCrossEntropy();
        float[] g = new float[p.length];
        System.arraycopy(x, 0, ws.input(), 0, x.length);
        net.forwardBackward(p, g, ws, labels, 0, BATCH, loss, 1L);
        float[] scratch = new float[p.length];
        // a smaller step: a parameter moves many pooled values at once, so a larger step would
        // cross max-pool switch points (kinks) of the composite function
        float eps = 1e-3f;
        for (int i = 0; i < p.length; i++) {
            float old = p[i];
            p[i] = old + eps;
            System.arraycopy(x, 0, ws.input(), 0, x.length);
            double plus = net.forwardBackward(p, scratch, ws, labels, 0, BATCH, loss, 1L);
            p[i] = old - eps;
            System.arraycopy(x, 0, ws.input(), 0, x.length);
            double minus = net.forwardBackward(p, scratch, ws, labels, 0, BATCH, loss, 1L);
            p[i] = old;
            assertClose(g[i], (plus - minus) / (2 * eps), "network param " + i);
        }
    }
}
