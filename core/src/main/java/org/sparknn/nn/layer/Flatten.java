package org.sparknn.nn.layer;

/** Channel-height-width to a flat vector; the memory layout is already flat, so this is a copy. */
public final class Flatten extends Layer {
    public Flatten(String name, Shape in) {
        super(name, in, Shape.flat(in.size()));
    }

    @Override
    public boolean identityAtInference() {
        return true;
    }

    @Override
    public void forward(float[] p, int pOff, float[] x, float[] y, int batch, Scratch s, boolean training, long seed) {
        System.arraycopy(x, 0, y, 0, batch * in.size());
    }

    @Override
    public void backward(float[] p, int pOff, float[] g, float[] x, float[] y, float[] dy, float[] dx, int batch,
                         Scratch s) {
        if (dx != null) {
            System.arraycopy(dy, 0, dx, 0, batch * in.size());
        }
    }
}
