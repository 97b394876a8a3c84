package org.sparknn.spark;

import java.io.Serializable;
import org.sparknn.nn.train.Seeds;

/**
 * All training rows of one partition packed into one contiguous array: {@code n} examples of
 * {@code length} floats in {@code x}, their labels in {@code y}. Cached as objects so the training
 * loop never touches rows.
 */
public final class Block implements Serializable {
    final int partition;
    final int n;
    final int length;
    final float[] x;
    final int[] y;
    private transient long cachedKey;
    private transient int[] cachedOrder;

    Block(int partition, int n, int length, float[] x, int[] y) {
        this.partition = partition;
        this.n = n;
        this.length = length;
        this.x = x;
        this.y = y;
    }

    public int size() {
        return n;
    }

    public int partition() {
        return partition;
    }

    /** This partition's row order in {@code epoch}: a permutation seeded by (seed, epoch, partition). */
    synchronized int[] order(long seed, int epoch) {
        long key = Seeds.mix(seed, epoch, partition);
        if (cachedOrder == null || cachedKey != key) {
            cachedOrder = Seeds.permutation(n, key);
            cachedKey = key;
        }
        return cachedOrder;
    }

    /**
     * The rows this partition gives to global step {@code step} of an epoch of {@code steps}
     * steps: a share proportional to its size, so that every row is used exactly once per epoch.
     * Returns {start, end} positions in {@link #order}.
     */
    int[] slice(int step, int steps) {
        long start = (long) step * n / steps;
        long end = (long) (step + 1) * n / steps;
        return new int[] {(int) start, (int) end};
    }
}
