package org.sparknn.nn.layer;

import java.util.Arrays;

/**
 * Max pooling per channel with a {@code ph x pw} window and a stride (windows overlap when the
 * stride is smaller than the window), no padding. The backward pass routes each output gradient
 * to the input position that was the maximum (the first one on ties).
 */
public final class MaxPool2D extends Layer {
    private final int ph;
    private final int pw;
    private final int stride;

    public MaxPool2D(String name, Shape in, int ph, int pw, int stride) {
        super(name, in, new Shape(in.channels(), (in.height() - ph) / stride + 1, (in.width() - pw) / stride + 1));
        this.ph = ph;
        this.pw = pw;
        this.stride = stride;
    }

    private record ArgMax(int[] index) implements Scratch {
    }

    @Override
    public Scratch scratch(int maxBatch) {
        return new ArgMax(new int[maxBatch * out.size()]);
    }

    @Override
    public void forward(float[] p, int pOff, float[] x, float[] y, int batch, Scratch s, boolean training, long seed) {
        pool(x, 0, y, 0, batch * in.channels(), training ? ((ArgMax) s).index : null);
    }

    /**
     * Inference: the maxima of {@code planes} consecutive input planes from {@code x[xOff]} into
     * {@code y[yOff]}, without the positions a backward pass would need; the same values as the
     * training pass.
     */
    public void maxInto(float[] x, int xOff, float[] y, int yOff, int planes) {
        pool(x, xOff, y, yOff, planes, null);
    }

    /** Pools {@code planes} planes; records each maximum's input position in {@code arg} unless it is null. */
    private void pool(float[] x, int xOff, float[] y, int yOff, int planes, int[] arg) {
        int h = in.height();
        int w = in.width();
        int oh = out.height();
        int ow = out.width();
        if (ph == 2 && pw == 2 && stride == 2) {
            pool2x2(x, xOff, y, yOff, planes, arg, h, w, oh, ow);
            return;
        }
        for (int pl = 0; pl < planes; pl++) {
            int inBase = xOff + pl * h * w;
            int o = yOff + pl * oh * ow;
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++, o++) {
                    int best = inBase + oy * stride * w + ox * stride;
                    float max = x[best];
                    for (int ky = 0; ky < ph; ky++) {
                        int row = inBase + (oy * stride + ky) * w + ox * stride;
                        for (int kx = 0; kx < pw; kx++) {
                            float v = x[row + kx];
                            if (v > max) {
                                max = v;
                                best = row + kx;
                            }
                        }
                    }
                    y[o] = max;
                    if (arg != null) {
                        arg[o - yOff] = best - xOff;
                    }
                }
            }
        }
    }

    /**
     * The common 2x2, stride 2 case without inner loops; same choice of maximum as the general
     * path. Branch-free: which element wins is unpredictable (a select on the values mispredicts:
     * 5x slower). The test of {@code arg} is the same for the whole loop, which the JIT hoists.
     */
    private static void pool2x2(float[] x, int xOff, float[] y, int yOff, int planes, int[] arg, int h, int w, int oh,
                                int ow) {
        for (int pl = 0; pl < planes; pl++) {
            int inBase = xOff + pl * h * w;
            int o = yOff + pl * oh * ow;
            for (int oy = 0; oy < oh; oy++) {
                int r0 = inBase + 2 * oy * w;
                int r1 = r0 + w;
                for (int ox = 0; ox < ow; ox++, o++) {
                    int i0 = r0 + 2 * ox;
                    int i1 = r1 + 2 * ox;
                    float a = x[i0];
                    float b = x[i0 + 1];
                    float c = x[i1];
                    float d = x[i1 + 1];
                    float top = Math.max(a, b);
                    float bottom = Math.max(c, d);
                    y[o] = Math.max(top, bottom);
                    if (arg != null) {
                        // ties keep the first
                        int topAt = b > a ? i0 + 1 : i0;
                        int bottomAt = d > c ? i1 + 1 : i1;
                        arg[o - yOff] = (bottom > top ? bottomAt : topAt) - xOff;
                    }
                }
            }
        }
    }

    @Override
    public void backward(float[] p, int pOff, float[] g, float[] x, float[] y, float[] dy, float[] dx, int batch,
                         Scratch s) {
        if (dx == null) {
            return;
        }
        int[] arg = ((ArgMax) s).index;
        Arrays.fill(dx, 0, batch * in.size(), 0f);
        int n = batch * out.size();
        for (int o = 0; o < n; o++) {
            dx[arg[o]] += dy[o];
        }
    }
}
