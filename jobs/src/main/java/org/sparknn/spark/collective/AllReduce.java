package org.sparknn.spark.collective;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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
 *
 * <p>The gradient is sent in pieces: one per layer's range of it (a {@code ranges} entry) and
 * owner. A task that computes its gradient with a {@code PassListener} sends each piece
 * ({@link #ready}) as soon as the backward pass has finished that layer, top layer first, so the
 * transfer overlaps the backward pass of the layers below, as PyTorch's DistributedDataParallel
 * does with its buckets; what was not sent early goes when the step's sum is asked for. Every
 * piece carries the sender's loss, correct and example sums of the step.
 *
 * <p>{@link #sumAndApply} shards the optimizer the same way: each owner applies the update to its
 * chunk of the parameters alone, and the all-gather then carries the updated parameters instead of
 * the summed gradient. The same bytes and messages; the optimizer's work per task falls to 1/P.
 */
public final class AllReduce {
    /** The sum of one step over all partitions. */
    public record Sum(float[] grad, double loss, long correct, long count, double weight) {
    }

    /** An update of the parameters {@code [from, to)} from their share of the summed gradient. */
    @FunctionalInterface
    public interface ShareUpdate {
        /**
         * @param share the summed gradient of the parameters {@code [from, to)}, from index 0
         * @param weight the summed weight of the step's examples over all partitions (their count
         *               when they have no weights)
         */
        void apply(float[] share, double weight, int from, int to);
    }

    /** Tags per step: the all-gather's, then one per gradient range (and one for an empty chunk's sums). */
    private static final long TAGS_PER_STEP = 1L << 20;

    /** One message of the reduce-scatter: range {@code k}'s values {@code [from, to)}, all in one owner's chunk. */
    private record Piece(int k, int from, int to) {
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
    /** The gradient ranges, by their index {@code k}. */
    private final List<int[]> ranges;
    /** Range index by the range's first value. */
    private final java.util.Map<Integer, Integer> rangeAt = new java.util.HashMap<>();
    /** The pieces of every owner's chunk, by owner. */
    private final List<List<Piece>> pieces = new ArrayList<>();
    /** The step whose pieces {@link #sent} tracks, and which of its ranges went out early. */
    private long sendingStep = Long.MIN_VALUE;
    private final boolean[] sent;
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
        this(run, me, peers, List.of(new int[] {0, length}), timeoutNanos, killed);
    }

    /**
     * @param ranges the gradient's ranges that become final together (a network's layers, see
     *               {@code Network.gradientRanges}), which cover it without overlap; the gradient's
     *               length is their sum
     */
    public AllReduce(String run, int me, Peer[] peers, List<int[]> ranges, long timeoutNanos,
                     java.util.function.BooleanSupplier killed) {
        this.run = run;
        this.partitions = peers.length;
        this.me = me;
        this.peers = peers.clone();
        this.ranges = List.copyOf(ranges);
        int total = 0;
        for (int k = 0; k < ranges.size(); k++) {
            int[] r = ranges.get(k);
            if (r[1] < r[0] || rangeAt.put(r[0], k) != null) {
                throw new IllegalArgumentException("gradient range " + Arrays.toString(r) + " is empty or repeated");
            }
            total += r[1] - r[0];
        }
        if (ranges.size() + 1 >= TAGS_PER_STEP) {
            throw new IllegalArgumentException("a gradient of " + ranges.size() + " ranges has too many to tag");
        }
        this.length = total;
        this.timeoutNanos = timeoutNanos;
        this.received = new Chunk[partitions];
        this.killed = killed;
        this.sent = new boolean[ranges.size()];
        for (int c = 0; c < partitions; c++) {
            List<Piece> mine = new ArrayList<>();
            for (int k = 0; k < ranges.size(); k++) {
                int from = Math.max(ranges.get(k)[0], lo(c));
                int to = Math.min(ranges.get(k)[1], lo(c + 1));
                if (from < to) {
                    mine.add(new Piece(k, from, to));
                }
            }
            if (mine.isEmpty()) { // an empty chunk still hears the sums
                mine.add(new Piece(ranges.size(), lo(c), lo(c)));
            }
            pieces.add(mine);
        }
    }

    private static long pieceTag(long step, int k) {
        return step * TAGS_PER_STEP + 1 + k;
    }

    private static long gatherTag(long step) {
        return step * TAGS_PER_STEP;
    }

    /**
     * Sends the pieces of gradient range {@code [from, to)} (one of the ranges this all-reduce was
     * made with, now final) to their owners, with this task's sums of the step.
     */
    public void ready(long step, float[] grad, int from, int to, double loss, long correct, long count, double weight) {
        Integer k = rangeAt.get(from);
        if (k == null || ranges.get(k)[1] != to) {
            throw new IllegalArgumentException("[" + from + ", " + to + ") is not one of the gradient's ranges");
        }
        long start = System.nanoTime();
        if (step != sendingStep) {
            Arrays.fill(sent, false);
            sendingStep = step;
        }
        sendRange(step, k, grad, loss, correct, count, weight);
        exchangeNanos += System.nanoTime() - start;
    }

    private void sendRange(long step, int k, float[] grad, double loss, long correct, long count, double weight) {
        sent[k] = true;
        for (int c = 0; c < partitions; c++) {
            if (c == me) {
                continue;
            }
            for (Piece p : pieces.get(c)) {
                if (p.k() == k) {
                    Chunk piece = new Chunk(grad, grad == null ? 0 : p.from(), p.to() - p.from(), loss, correct, count,
                        weight);
                    exchange.send(peers[c], new Exchange.Slot(run, c, me, pieceTag(step, k)), piece);
                    count(piece);
                }
            }
        }
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
    public Sum sum(long step, float[] grad, double loss, long correct, long count, double weight) {
        long start = System.nanoTime();
        long gather = gatherTag(step);
        Sum reduced = reduceScatter(step, grad, loss, correct, count, weight);
        float[] owned = reduced.grad();
        Chunk summed = new Chunk(owned, 0, lo(me + 1) - lo(me), 0, 0, 0, 0);
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
        exchangeNanos += System.nanoTime() - start;
        return new Sum(any ? total : null, reduced.loss(), reduced.correct(), reduced.count(), reduced.weight());
    }

    /**
     * A step with the optimizer sharded: sums the gradient as {@link #sum} does, but each task
     * then updates only the parameters of the chunk it owns ({@code update}, which changes
     * {@code params} there), and the all-gather brings every owner's updated parameters into
     * {@code params}. Time spent in {@code update} is not counted as exchange time.
     *
     * @return the step's sums; its {@code grad} is null
     */
    public Sum sumAndApply(long step, float[] grad, double loss, long correct, long count, double weight,
                           ShareUpdate update, float[] params) {
        long start = System.nanoTime();
        long gather = gatherTag(step);
        Sum reduced = reduceScatter(step, grad, loss, correct, count, weight);
        float[] owned = reduced.grad();
        int from = lo(me);
        int to = lo(me + 1);
        long updateStart = System.nanoTime();
        update.apply(owned == null ? new float[to - from] : owned, reduced.weight(), from, to);
        long updateNanos = System.nanoTime() - updateStart;
        Chunk mine = new Chunk(params, from, to - from, 0, 0, 0, 0);
        for (int p = 0; p < partitions; p++) {
            if (p != me) {
                exchange.send(peers[p], new Exchange.Slot(run, p, me, gather), mine);
                count(mine);
            }
        }
        for (int c = 0; c < partitions; c++) {
            if (c != me) {
                Chunk part = take(c, gather, "its updated chunk of the parameters");
                System.arraycopy(part.values(), part.offset(), params, lo(c), part.length());
            }
        }
        exchangeNanos += System.nanoTime() - start - updateNanos;
        return new Sum(null, reduced.loss(), reduced.correct(), reduced.count(), reduced.weight());
    }

    /**
     * After steps of {@link #sumAndApply}: brings every task's current chunk of the optimizer
     * state to partition 0, which then holds the whole state. {@code state} is made of
     * {@code planes} planes of one value per parameter. One message per task but partition 0's.
     */
    public void gatherState(float[] state, int planes) {
        if (planes == 0 || partitions == 1) {
            return;
        }
        long start = System.nanoTime();
        if (me != 0) {
            int from = lo(me);
            int len = lo(me + 1) - from;
            float[] mine = new float[planes * len];
            for (int k = 0; k < planes; k++) {
                System.arraycopy(state, k * length + from, mine, k * len, len);
            }
            Chunk c = new Chunk(mine, 0, mine.length, 0, 0, 0, 0);
            exchange.send(peers[0], new Exchange.Slot(run, 0, me, STATE_TAG), c);
            count(c);
        } else {
            for (int p = 1; p < partitions; p++) {
                Chunk part = take(p, STATE_TAG, "its chunk of the optimizer state");
                int from = lo(p);
                int len = lo(p + 1) - from;
                for (int k = 0; k < planes; k++) {
                    System.arraycopy(part.values(), part.offset() + k * len, state, k * length + from, len);
                }
            }
        }
        exchangeNanos += System.nanoTime() - start;
    }

    /** The tag of {@link #gatherState}'s messages: below every step's tags, once per segment. */
    private static final long STATE_TAG = -2;

    /**
     * The reduce-scatter: every task sends each owner its chunk and sums the chunk it owns along
     * the tree. Returns the owned chunk's sum (null when no partition had values) with the step's
     * loss, correct and example sums over all partitions.
     */
    private Sum reduceScatter(long step, float[] grad, double loss, long correct, long count, double weight) {
        scatter(grad, loss, correct, count, weight, step);
        float[] owned = treeSum(0, partitions);
        double lossSum = treeSum(0, partitions, Chunk::loss);
        double weightSum = treeSum(0, partitions, Chunk::weight);
        long correctSum = 0;
        long countSum = 0;
        for (Chunk c : received) {
            correctSum += c.correct();
            countSum += c.count();
        }
        Arrays.fill(received, null);
        return new Sum(owned, lossSum, correctSum, countSum, weightSum);
    }

    /**
     * The reduce-scatter's sending and receiving: sends what {@link #ready} did not, then every
     * owner ends with all tasks' chunks of its part in {@code received}.
     */
    private void scatter(float[] grad, double loss, long correct, long count, double weight, long step) {
        if (step != sendingStep) {
            Arrays.fill(sent, false);
            sendingStep = step;
        }
        for (int k = 0; k < ranges.size(); k++) {
            if (!sent[k]) {
                sendRange(step, k, grad, loss, correct, count, weight);
            }
        }
        for (int c = 0; c < partitions; c++) {
            Piece empty = pieces.get(c).get(0);
            if (c != me && empty.k() == ranges.size()) {
                Chunk sums = new Chunk(null, 0, 0, loss, correct, count, weight);
                exchange.send(peers[c], new Exchange.Slot(run, c, me, pieceTag(step, empty.k())), sums);
                count(sums);
            }
        }
        sendingStep = Long.MIN_VALUE;
        int from = lo(me);
        int len = lo(me + 1) - from;
        received[me] = new Chunk(grad, grad == null ? 0 : from, len, loss, correct, count, weight);
        List<Piece> mine = pieces.get(me);
        for (int p = 0; p < partitions; p++) {
            if (p == me) {
                continue;
            }
            Chunk first = take(p, pieceTag(step, mine.get(0).k()), "its chunk of the gradient");
            if (mine.size() == 1 || first.values() == null) {
                received[p] = first;
                for (int i = 1; i < mine.size(); i++) { // a partition without rows sends pieces without values
                    take(p, pieceTag(step, mine.get(i).k()), "its chunk of the gradient");
                }
                continue;
            }
            float[] assembled = new float[len];
            System.arraycopy(first.values(), first.offset(), assembled, mine.get(0).from() - from, first.length());
            for (int i = 1; i < mine.size(); i++) {
                Piece piece = mine.get(i);
                Chunk c = take(p, pieceTag(step, piece.k()), "its chunk of the gradient");
                System.arraycopy(c.values(), c.offset(), assembled, piece.from() - from, c.length());
            }
            received[p] = new Chunk(assembled, 0, len, first.loss(), first.correct(), first.count(), first.weight());
        }
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
                + peers[from] + ") to send " + what + (tag < 0 ? " at the end of the segment" : " of step " + tag / TAGS_PER_STEP) + "; the wait is set by "
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

    /** A per-task sum of the received chunks over {@code [lo, hi)}, added in the gradient tree's order. */
    private double treeSum(int lo, int hi, java.util.function.ToDoubleFunction<Chunk> value) {
        if (hi - lo == 1) {
            return value.applyAsDouble(received[lo]);
        }
        int mid = (lo + hi) >>> 1;
        return treeSum(lo, mid, value) + treeSum(mid, hi, value);
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
