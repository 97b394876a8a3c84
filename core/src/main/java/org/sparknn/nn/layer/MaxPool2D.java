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

    public int poolHeight() {
        return ph;
    }

    public int poolWidth() {
        return pw;
    }

    public int stride() {
        return stride;
    }

    private record ArgMax(int[] index) implements Scratch {
    }

    @Override
    public Scratch scratch(int maxBatch) {
        return new ArgMax(new int[maxBatch * out.size()]);
    }

    @Override
    public void forward(float[] p, int pOff, float[] x, float[] y, int batch, Scratch s, boolean training, long seed) {
        pool(x, 0, y, 0, batch * in.channels(), training ? ((ArgMax) s).index : null, 0);
    }

    /**
     * Training pass of example {@code b} alone, its input at {@code x[0]}: its pooled values go to
     * {@code y} at the example's place, and each maximum's position within the example's input is
     * recorded for {@link #routeExample}.
     */
    void poolExample(float[] x, float[] y, int b, Scratch s) {
        pool(x, 0, y, b * out.size(), in.channels(), ((ArgMax) s).index, b * out.size());
    }

    /**
     * Backward pass of example {@code b} after {@link #poolExample}: adds each pooled value's
     * gradient onto its maximum in {@code dx}, the example's input gradient. With
     * {@code positiveOnly} (a ReLU before the pooling), a maximum that is not positive passes
     * nothing, as the ReLU's mask would.
     */
    void routeExample(float[] pooled, float[] dPooled, int b, Scratch s, boolean positiveOnly, float[] dx) {
        int[] arg = ((ArgMax) s).index;
        int from = b * out.size();
        int to = from + out.size();
        if (positiveOnly) {
            for (int o = from; o < to; o++) {
                if (Float.floatToRawIntBits(pooled[o]) > 0) { // the ReLU mask's test
                    dx[arg[o]] += dPooled[o];
                }
            }
        } else {
            for (int o = from; o < to; o++) {
                dx[arg[o]] += dPooled[o];
            }
        }
    }

    /**
     * Inference: the maxima of {@code planes} consecutive input planes from {@code x[xOff]} into
     * {@code y[yOff]}, without the positions a backward pass would need; the same values as the
     * training pass.
     */
    public void maxInto(float[] x, int xOff, float[] y, int yOff, int planes) {
        pool(x, xOff, y, yOff, planes, null, 0);
    }

    /**
     * Pools {@code planes} planes; records each maximum's position relative to {@code xOff} in
     * {@code arg} from {@code argOff} on, unless {@code arg} is null.
     */
    private void pool(float[] x, int xOff, float[] y, int yOff, int planes, int[] arg, int argOff) {
        int h = in.height();
        int w = in.width();
        int oh = out.height();
        int ow = out.width();
        if (ph == 2 && pw == 2 && stride == 2) {
            pool2x2(x, xOff, y, yOff, planes, arg, argOff, h, w, oh, ow);
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
                        arg[argOff + o - yOff] = best - xOff;
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
    private static void pool2x2(float[] x, int xOff, float[] y, int yOff, int planes, int[] arg, int argOff, int h,
                                int w, int oh, int ow) {
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
                        arg[argOff + o - yOff] = (bottom > top ? bottomAt : topAt) - xOff;
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
