package org.sparknn.nn.layer;

/**
 * Channel-height-width to a flat vector. The memory layout is already flat: a network's workspace
 * gives this layer the same buffers for input and output, so it moves nothing; on separate
 * buffers it copies.
 */
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
        if (x != y) {
            System.arraycopy(x, 0, y, 0, batch * in.size());
        }
    }

    @Override
    public void backward(float[] p, int pOff, float[] g, float[] x, float[] y, float[] dy, float[] dx, int batch,
                         Scratch s) {
        if (dx != null && dx != dy) {
            System.arraycopy(dy, 0, dx, 0, batch * in.size());
        }
    }
}
