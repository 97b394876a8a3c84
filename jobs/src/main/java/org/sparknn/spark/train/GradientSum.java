package org.sparknn.spark.train;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.sparknn.spark.collective.AllReduce;

/**
 * Partial results of one training step (gradient sum, loss sum, correct predictions, examples,
 * and the examples' weights: their count when they have none)
 * that add up to the same bits whatever order Spark merges them in. Each partition contributes
 * a leaf {@code [p, p+1)}; two partials are added only when they are the two halves of a node of
 * a fixed binary tree over the partition indices (split at the midpoint), so the grouping of the
 * floating-point additions never depends on task completion order, retries or the
 * treeAggregate depth. Partials that cannot be paired yet are kept side by side.
 */
public final class GradientSum implements Serializable {
    /** One node of the canonical tree: partitions {@code [lo, hi)}. */
    static final class Node implements Serializable {
        final int lo;
        final int hi;
        float[] grad;
        double loss;
        long correct;
        long count;
        /** The examples' summed weight, the divisor of the step's gradient and loss. */
        double weight;

        Node(int lo, int hi, float[] grad, double loss, long correct, long count, double weight) {
            this.lo = lo;
            this.hi = hi;
            this.grad = grad;
            this.loss = loss;
            this.correct = correct;
            this.count = count;
            this.weight = weight;
        }
    }

    private final int partitions;
    private final List<Node> nodes = new ArrayList<>();

    private GradientSum(int partitions) {
        this.partitions = partitions;
    }

    /**
     * The contribution of one partition; {@code grad} may be null when it had no rows this step.
     * {@code weight} is the examples' summed weight ({@code count} when they have no weights).
     */
    public static GradientSum leaf(int partitions, int partition, float[] grad, double loss, long correct, long count,
                                   double weight) {
        if (partition < 0 || partition >= partitions) {
            throw new IllegalArgumentException("partition " + partition + " outside 0.." + (partitions - 1));
        }
        GradientSum s = new GradientSum(partitions);
        s.nodes.add(new Node(partition, partition + 1, grad, loss, correct, count, weight));
        return s;
    }

    /** Null-safe merge for treeAggregate's combOp. */
    public static GradientSum merge(GradientSum a, GradientSum b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        if (a.partitions != b.partitions) {
            throw new IllegalStateException("cannot merge partials over " + a.partitions + " and " + b.partitions
                + " partitions");
        }
        for (Node n : b.nodes) {
            a.add(n);
        }
        return a;
    }

    private void add(Node node) {
        Node current = node;
        while (true) {
            Node sibling = null;
            for (Node n : nodes) {
                if (n.lo < current.hi && current.lo < n.hi) {
                    throw new IllegalStateException("partitions [" + current.lo + ", " + current.hi
                        + ") counted twice in one step");
                }
                if (siblings(n, current) || siblings(current, n)) {
                    sibling = n;
                    break;
                }
            }
            if (sibling == null) {
                nodes.add(current);
                return;
            }
            nodes.remove(sibling);
            Node left = sibling.lo < current.lo ? sibling : current;
            Node right = left == sibling ? current : sibling;
            current = new Node(left.lo, right.hi, AllReduce.add(left.grad, right.grad), left.loss + right.loss,
                left.correct + right.correct, left.count + right.count, left.weight + right.weight);
        }
    }

    /** Left and right halves of one node of the canonical tree. */
    private boolean siblings(Node left, Node right) {
        if (left.hi != right.lo) {
            return false;
        }
        int lo = 0;
        int hi = partitions;
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if (lo == left.lo && hi == right.hi) {
                return mid == left.hi;
            }
            if (right.hi <= mid) {
                hi = mid;
            } else if (left.lo >= mid) {
                lo = mid;
            } else {
                return false;
            }
        }
        return false;
    }

    /** The one node of a single partition's contribution. */
    Node leafNode() {
        if (nodes.size() != 1 || nodes.get(0).hi - nodes.get(0).lo != 1) {
            throw new IllegalStateException("not a single partition's contribution");
        }
        return nodes.get(0);
    }

    /** The root: every partition merged. */
    Node total() {
        if (nodes.size() != 1 || nodes.get(0).lo != 0 || nodes.get(0).hi != partitions) {
            StringBuilder b = new StringBuilder();
            for (Node n : nodes) {
                b.append(" [").append(n.lo).append(", ").append(n.hi).append(')');
            }
            throw new IllegalStateException("the step's partials do not cover all " + partitions + " partitions:" + b);
        }
        return nodes.get(0);
    }
}
