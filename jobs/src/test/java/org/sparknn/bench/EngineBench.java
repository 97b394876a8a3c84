package org.sparknn.bench;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.sparknn.nn.layer.Shape;
import org.sparknn.nn.linalg.Blas;
import org.sparknn.nn.loss.SoftmaxCrossEntropy;
import org.sparknn.nn.model.Network;
import org.sparknn.nn.spec.NetworkSpec;

/**
 * Single-thread engine throughput next to the sgemm peak of the same BLAS, measured in the same
 * run: forward+backward images/s and GFLOP/s of the mlp and cnn presets at batch 64, 128, 256.
 * Run by bench/engine. Medians of {@code REPEATS} timed runs of about {@code SECONDS} each.
 */
public final class EngineBench {
    static final int REPEATS = 5;
    static final double SECONDS = 1.0;

    public static void main(String[] args) {
        Blas blas = Blas.get();
        System.out.printf("BLAS: %s; OPENBLAS_CORETYPE=%s; OPENBLAS_NUM_THREADS=%s; java %s%n", blas.describe(),
            System.getenv("OPENBLAS_CORETYPE"), System.getenv("OPENBLAS_NUM_THREADS"), System.getProperty("java.version"));
        double peak = 0;
        for (int[] s : new int[][] {{1024, 1024, 1024}, {512, 128, 784}, {128, 128, 784}}) {
            double g = sgemm(blas, s[0], s[1], s[2]);
            System.out.printf("sgemm %dx%dx%d: %.1f GFLOP/s%n", s[0], s[1], s[2], g);
            peak = Math.max(peak, g);
        }
        System.out.printf("sgemm peak (best of the shapes): %.1f GFLOP/s%n%n", peak);
        System.out.printf("%-5s %6s %12s %10s %12s%n", "model", "batch", "images/s", "GFLOP/s", "of peak");
        StringBuilder results = new StringBuilder(String.format("RESULT sgemm_peak_gflops %.2f%n", peak));
        for (String preset : new String[] {"mlp", "cnn"}) {
            Network net = Network.build(NetworkSpec.preset(preset, new Shape(1, 28, 28), 10), blas);
            for (int batch : new int[] {64, 128, 256}) {
                double ips = imagesPerSecond(net, batch);
                double gflops = ips * net.trainingMacs() * 2 / 1e9;
                System.out.printf("%-5s %6d %12.0f %10.1f %11.1f%%%n", preset, batch, ips, gflops, 100 * gflops / peak);
                results.append(String.format("RESULT %s_b%d_images_per_s %.0f%nRESULT %s_b%d_peak_share %.3f%n", preset, batch,
                    ips, preset, batch, gflops / peak));
            }
        }
        System.out.print(results);
    }

    static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }

    static double sgemm(Blas blas, int m, int n, int k) {
        float[] a = fill(m * k);
        float[] b = fill(k * n);
        float[] c = new float[m * n];
        double flops = 2.0 * m * n * k;
        double[] rates = new double[REPEATS];
        for (int w = 0; w < 3; w++) {
            blas.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
        }
        for (int r = 0; r < REPEATS; r++) {
            long start = System.nanoTime();
            int iters = 0;
            while (System.nanoTime() - start < SECONDS * 1e9 / 2) {
                blas.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
                iters++;
            }
            rates[r] = flops * iters / ((System.nanoTime() - start) / 1e9) / 1e9;
        }
        return median(rates);
    }

    static double imagesPerSecond(Network net, int batch) {
        float[] p = net.initialParams(1);
        float[] g = new float[p.length];
        Network.Workspace ws = net.workspace(batch);
        float[] in = fill(batch * net.inputSize());
        System.arraycopy(in, 0, ws.input(), 0, in.length);
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = i % 10;
        }
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        for (int w = 0; w < 20; w++) {
            net.forwardBackward(p, g, ws, labels, 0, batch, loss, w);
        }
        double[] rates = new double[REPEATS];
        for (int r = 0; r < REPEATS; r++) {
            long start = System.nanoTime();
            int iters = 0;
            while (System.nanoTime() - start < SECONDS * 1e9) {
                net.forwardBackward(p, g, ws, labels, 0, batch, loss, iters);
                iters++;
            }
            rates[r] = (double) batch * iters / ((System.nanoTime() - start) / 1e9);
        }
        return median(rates);
    }

    static float[] fill(int n) {
        SplittableRandom rng = new SplittableRandom(42);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rng.nextDouble() - 0.5);
        }
        return a;
    }
}
