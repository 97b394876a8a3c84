package org.sparknn.nn.random;

/**
 * Derives the seed of every random choice from the run seed and the choice's coordinates
 * (epoch, step, partition, ...) with the SplitMix64 finalizer, so a choice never depends on the
 * order in which work was scheduled.
 */
public final class Seeds {
    private Seeds() {
    }

    public static long mix(long seed, long a) {
        return step(finalizer(seed ^ 0x9E3779B97F4A7C15L), a);
    }

    public static long mix(long seed, long a, long b) {
        return step(mix(seed, a), b);
    }

    public static long mix(long seed, long a, long b, long c) {
        return step(mix(seed, a, b), c);
    }

    private static long step(long h, long p) {
        return finalizer(h ^ finalizer(p + 0x9E3779B97F4A7C15L));
    }

    private static long finalizer(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A permutation of 0..n-1 by Fisher-Yates from {@code seed}. */
    public static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
