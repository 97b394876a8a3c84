package org.sparknn.spark.collective;

import java.util.Arrays;

/**
 * The all-reduce of one task of a gang: every step each of the {@code P} tasks holds the gradient
 * sum of its partition, and ends with the sum over all partitions, grouped along the fixed binary
 * tree over the partition indices that {@code GradientSum} uses (split at the midpoint), so the
 * sum has the same bits as the job-per-step mode's.
 *
 * <p>The gradient is cut into {@code P} chunks; task {@code t} owns chunk {@code t}. First every
 * task sends each owner its chunk of its gradient (with its loss, correct and example counts, which
 * every task sums alike); each owner sums its chunk along the tree; then every owner sends its
 * summed chunk to every task. Per step each task sends and receives {@code 2 (P-1) / P} of the
 * gradient, whatever {@code P} is, in {@code 2 (P-1)} messages.
 */
public final class AllReduce {
    /** The sum of one step over all partitions. */
    public record Sum(float[] grad, double loss, long correct, long count) {
    }

    private final Exchange exchange = Exchange.get();
    private final String run;
    private final int partitions;
    private final int me;
    private final Peer[] peers;
    private final int length;
    private final long timeoutNanos;
    private final Chunk[] received;
    private final java.util.function.BooleanSupplier killed;
    private long exchangeNanos;
    private long messagesSent;
    private long valuesSent;

    /**
     * @param run          the run and stage attempt, the same string in every task of the gang
     * @param me           this task's partition
     * @param peers        every partition's exchange, by partition
     * @param length       the gradient's length
     * @param timeoutNanos the longest wait for one message
     * @param killed       whether this task has been killed (a wait gives up then)
     */
    public AllReduce(String run, int me, Peer[] peers, int length, long timeoutNanos,
                     java.util.function.BooleanSupplier killed) {
        this.run = run;
        this.partitions = peers.length;
        this.me = me;
        this.peers = peers.clone();
        this.length = length;
        this.timeoutNanos = timeoutNanos;
        this.received = new Chunk[partitions];
        this.killed = killed;
    }

    private int lo(int chunk) {
        return (int) ((long) length * chunk / partitions);
    }

    /**
     * Sums this task's {@code grad} (null when its partition had no rows this step) and counts
     * with every other task's.
     *
     * @param step a number that identifies the step within the run
     */
    public Sum sum(long step, float[] grad, double loss, long correct, long count) {
        long start = System.nanoTime();
        long scatter = 2 * step;
        long gather = 2 * step + 1;
        for (int c = 0; c < partitions; c++) {
            Chunk mine = new Chunk(grad, grad == null ? 0 : lo(c), lo(c + 1) - lo(c), loss, correct, count);
            if (c == me) {
                received[me] = mine;
            } else {
                exchange.send(peers[c], new Exchange.Slot(run, c, me, scatter), mine);
                count(mine);
            }
        }
        for (int p = 0; p < partitions; p++) {
            if (p != me) {
                received[p] = take(p, scatter, "its chunk of the gradient");
            }
        }
        float[] owned = treeSum(0, partitions);
        double lossSum = lossSum(0, partitions);
        long correctSum = 0;
        long countSum = 0;
        for (Chunk c : received) {
            correctSum += c.correct();
            countSum += c.count();
        }
        Chunk summed = new Chunk(owned, 0, lo(me + 1) - lo(me), 0, 0, 0);
        for (int p = 0; p < partitions; p++) {
            if (p != me) {
                exchange.send(peers[p], new Exchange.Slot(run, p, me, gather), summed);
                count(summed);
            }
        }
        float[] total = new float[length];
        boolean any = false;
        for (int c = 0; c < partitions; c++) {
            Chunk part = c == me ? summed : take(c, gather, "its summed chunk of the gradient");
            if (part.values() != null) {
                System.arraycopy(part.values(), part.offset(), total, lo(c), part.length());
                any = true;
            }
        }
        Arrays.fill(received, null);
        exchangeNanos += System.nanoTime() - start;
        return new Sum(any ? total : null, lossSum, correctSum, countSum);
    }

    private void count(Chunk c) {
        messagesSent++;
        valuesSent += c.values() == null ? 0 : c.length();
    }

    /** Messages this task sent so far (to any peer, in this JVM or another). */
    public long messagesSent() {
        return messagesSent;
    }

    /** Gradient values this task sent so far (4 bytes each, plus 45 bytes of header per message across JVMs). */
    public long valuesSent() {
        return valuesSent;
    }

    private Chunk take(int from, long tag, String what) {
        return exchange.take(new Exchange.Slot(run, me, from, tag), timeoutNanos,
            () -> "partition " + me + " waited " + timeoutNanos / 1_000_000_000.0 + " s for partition " + from + " ("
                + peers[from] + ") to send " + what + " of step " + tag / 2 + "; the wait is set by "
                + BarrierSettings.TIMEOUT_KEY, killed);
    }

    /** This task's chunk summed over partitions [lo, hi), grouped as GradientSum groups it; null when none had values. */
    private float[] treeSum(int lo, int hi) {
        if (hi - lo == 1) {
            return received[lo].values() == null ? null : received[lo].copy();
        }
        int mid = (lo + hi) >>> 1;
        return add(treeSum(lo, mid), treeSum(mid, hi));
    }

    /**
     * One node of the gradient tree: {@code right} added element-wise into {@code left} (null for a
     * side without values); both step modes add with it. Float addition is commutative, so only the
     * grouping matters.
     */
    public static float[] add(float[] left, float[] right) {
        if (left == null) {
            return right;
        }
        if (right == null) {
            return left;
        }
        for (int i = 0; i < left.length; i++) {
            left[i] += right[i];
        }
        return left;
    }

    private double lossSum(int lo, int hi) {
        if (hi - lo == 1) {
            return received[lo].loss();
        }
        int mid = (lo + hi) >>> 1;
        return lossSum(lo, mid) + lossSum(mid, hi);
    }

    /** Time spent in {@link #sum} so far, nanoseconds. */
    public long exchangeNanos() {
        return exchangeNanos;
    }

    /** Drops the messages to this task still waiting in this JVM. */
    public void close() {
        exchange.forget(run, me);
    }
}
