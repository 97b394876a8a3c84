package org.sparknn.nn.linalg;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.JavaBLAS;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that calls dev.ludovic.netlib. Matrices are row-major float32 arrays with an
 * offset and a leading dimension (the row stride), as the engine stores them; the calls are
 * mapped onto column-major Fortran BLAS by computing the transposed product
 * (C<sup>T</sup> = B<sup>T</sup>A<sup>T</sup>), which costs nothing.
 */
public final class Blas {
    private static final Logger LOG = LoggerFactory.getLogger(Blas.class);
    private static volatile Blas defaultInstance;

    private final BLAS blas;

    private Blas(BLAS blas) {
        this.blas = blas;
    }

    /**
     * The best implementation available: native (JNIBLAS over the system's libblas.so.3, e.g.
     * OpenBLAS) when it loads, else netlib's Java fallback. Logged once per JVM.
     */
    public static Blas get() {
        Blas b = defaultInstance;
        if (b == null) {
            synchronized (Blas.class) {
                if (defaultInstance == null) {
                    defaultInstance = new Blas(BLAS.getInstance());
                    LOG.info("BLAS implementation: " + defaultInstance.describe());
                }
                b = defaultInstance;
            }
        }
        return b;
    }

    /** netlib's pure-Java implementation (VectorBLAS with the Vector API, else Java11BLAS). */
    public static Blas java() {
        return new Blas(JavaBLAS.getInstance());
    }

    /** Wraps a given netlib implementation. */
    public static Blas of(BLAS blas) {
        return new Blas(blas);
    }

    /** The implementation class, e.g. JNIBLAS, VectorBLAS, Java11BLAS. */
    public String implementation() {
        return blas.getClass().getSimpleName();
    }

    public boolean isNative() {
        return implementation().startsWith("JNI");
    }

    /** Implementation and, for OpenBLAS, the forced core type if the environment sets one. */
    public String describe() {
        String core = System.getenv("OPENBLAS_CORETYPE");
        String threads = System.getenv("OPENBLAS_NUM_THREADS");
        return implementation() + (isNative() ? " (native libblas.so.3" + (core == null ? "" : ", OPENBLAS_CORETYPE=" + core)
            + (threads == null ? "" : ", OPENBLAS_NUM_THREADS=" + threads) + ")" : " (Java fallback)");
    }

    /**
     * Row-major {@code C[m x n] = alpha * op(A) * op(B) + beta * C}, where op(A) is m x k and
     * op(B) is k x n; {@code lda}, {@code ldb}, {@code ldc} are the row strides of the stored
     * (untransposed) arrays.
     */
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        blas.sgemm(transB ? "T" : "N", transA ? "T" : "N", n, m, k, alpha, b, bOff, ldb, a, aOff, lda, beta, c, cOff, ldc);
    }

    /** {@code y += alpha * x} over {@code n} elements. */
    public void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
        blas.saxpy(n, alpha, x, xOff, 1, y, yOff, 1);
    }
}
