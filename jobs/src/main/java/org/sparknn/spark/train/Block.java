package org.sparknn.spark.train;

import java.io.Serializable;
import org.sparknn.dataset.PixelTable;
import org.sparknn.nn.random.Seeds;

/**
 * All training rows of one partition packed into one contiguous array: {@code n} examples of
 * {@code length} values, their labels in {@code y}. Cached as objects so the training loop never
 * touches rows. The values are floats in {@code x}, or, for a dataset stored as 8-bit pixels, the
 * pixels themselves in {@code pixels}, a quarter of the memory (and of the checkpoint files on a
 * cluster), normalized through {@code table} as rows are copied into a batch: the same floats the
 * float block would hold. Example weights, when the rows have them, are in {@code w}.
 */
public final class Block implements Serializable {
    final int partition;
    final int n;
    final int length;
    /** Row-major values, or null when the block holds pixels. */
    final float[] x;
    /** Row-major 8-bit pixels, or null when the block holds floats. */
    final byte[] pixels;
    /** How {@link #pixels} become values; null for a float block. */
    final PixelTable table;
    final int[] y;
    /** Example weights, or null when every example weighs 1. */
    final float[] w;
    private transient long cachedKey;
    private transient int[] cachedOrder;

    /** A block of floats {@code x}, or of {@code pixels} normalized through {@code table}; {@code w} null when unweighted. */
    Block(int partition, int n, int length, float[] x, byte[] pixels, PixelTable table, int[] y, float[] w) {
        this.partition = partition;
        this.n = n;
        this.length = length;
        this.x = x;
        this.pixels = pixels;
        this.table = table;
        this.y = y;
        this.w = w;
    }

    /** Copies the values of row {@code row} to {@code dst} from {@code offset}. */
    void copyRow(int row, float[] dst, int offset) {
        if (x != null) {
            System.arraycopy(x, row * length, dst, offset, length);
        } else {
            table.decode(pixels, row * length, length, dst, offset);
        }
    }

    /** Copies the values of the {@code m} rows from {@code from} to {@code dst} from {@code offset}. */
    void copyRows(int from, int m, float[] dst, int offset) {
        if (x != null) {
            System.arraycopy(x, from * length, dst, offset, m * length);
        } else {
            for (int i = 0; i < m; i++) {
                table.decode(pixels, (from + i) * length, length, dst, offset + i * length);
            }
        }
    }

    /**
     * The summed example weight of the rows {@code order[from .. to)} ({@code from .. to} when
     * {@code order} is null): their count when the block has no weights.
     */
    double weight(int[] order, int from, int to) {
        if (w == null) {
            return to - from;
        }
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += w[order == null ? i : order[i]];
        }
        return sum;
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
