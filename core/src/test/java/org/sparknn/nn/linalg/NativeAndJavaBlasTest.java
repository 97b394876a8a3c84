package org.sparknn.nn.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sparknn.nn.layer.Shape;
import org.sparknn.nn.loss.SoftmaxCrossEntropy;
import org.sparknn.nn.model.Network;
import org.sparknn.nn.spec.NetworkSpec;

/** The same forward and backward results from the native BLAS and from netlib's Java fallback. */
class NativeAndJavaBlasTest {
    @Test
    void nativeAndJavaAgree() {
        Blas nativeBlas = Blas.get();
        Blas javaBlas = Blas.java();
        assertTrue(nativeBlas.isNative(), "native BLAS did not load (" + nativeBlas.describe()
            + "); install libopenblas0-pthread, as ci/setup does");
        assertNotEquals(nativeBlas.implementation(), javaBlas.implementation());
        for (String preset : new String[] {"mlp", "cnn3"}) {
            NetworkSpec spec = NetworkSpec.preset(preset, new Shape(1, 28, 28), 10);
            Network a = Network.build(spec, nativeBlas);
            Network b = Network.build(spec, javaBlas);
            float[] p = a.initialParams(5);
            int batch = 16;
            float[] x = new float[batch * 784];
            SplittableRandom rng = new SplittableRandom(1);
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rng.nextDouble();
            }
            int[] y = new int[batch];
            for (int i = 0; i < batch; i++) {
                y[i] = i % 10;
            }
            Network.Workspace wa = a.workspace(batch);
            Network.Workspace wb = b.workspace(batch);
            System.arraycopy(x, 0, wa.input(), 0, x.length);
            System.arraycopy(x, 0, wb.input(), 0, x.length);
            float[] ga = new float[p.length];
            float[] gb = new float[p.length];
            double la = a.forwardBackward(p, ga, wa, y, 0, batch, new SoftmaxCrossEntropy(), 9);
            double lb = b.forwardBackward(p, gb, wb, y, 0, batch, new SoftmaxCrossEntropy(), 9);
            assertEquals(la, lb, 1e-4 * Math.abs(la), preset + " loss");
            double maxAbs = 0;
            double maxDiff = 0;
            for (int i = 0; i < p.length; i++) {
                maxAbs = Math.max(maxAbs, Math.abs(ga[i]));
                maxDiff = Math.max(maxDiff, Math.abs(ga[i] - gb[i]));
            }
            assertTrue(maxAbs > 0, "gradients must not vanish");
            assertTrue(maxDiff <= 1e-4 * maxAbs, preset + ": gradients differ by " + maxDiff + " (max " + maxAbs + ")");
        }
    }
}
