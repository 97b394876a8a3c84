package org.sparknn.spark.train;

import java.io.Serializable;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import scala.collection.Iterator;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction2;
import scala.runtime.BoxedUnit;

/**
 * The tree aggregation of one training or evaluation step: every partition turns its block into a
 * {@link GradientSum} leaf, and the leaves are summed along GradientSum's fixed tree.
 *
 * <p>When {@code treeAggregate} would add no intermediate level (Spark's rule: with {@code P}
 * partitions and {@code scale = max(ceil(P^(1/depth)), 2)}, a level is added only while
 * {@code P > scale + ceil(P / scale)}; so never for depth 1 or for up to 4 partitions at depth 2),
 * the step is run as one {@code SparkContext.runJob} whose task function is a named class, and
 * the driver merges each partial as its task finishes: the same single stage and driver-side merge
 * as {@code treeAggregate}, without its per-call closure cleaning. Spark's ClosureCleaner reads and
 * parses the bytecode of the classes that declare RDD's internal lambdas on every
 * {@code treeAggregate}/{@code fold} call, which costs the driver more per step than a small model's
 * arithmetic (see {@code bench/train-vs-mllib}'s step lines). With more partitions the intermediate
 * levels come from {@code treeAggregate} itself.
 */
final class BlockAggregation {
    private BlockAggregation() {
    }

    /**
     * What one partition contributes. Implemented by named classes (records), never lambdas, so
     * Spark's closure cleaner leaves them alone.
     */
    interface PartitionFunction extends scala.Function2<TaskContext, Iterator<Block>, GradientSum>, Serializable {
        /** The leaf of one block. */
        GradientSum leaf(Block block);

        @Override
        default GradientSum apply(TaskContext context, Iterator<Block> blocks) {
            GradientSum acc = null;
            while (blocks.hasNext()) {
                acc = GradientSum.merge(acc, leaf(blocks.next()));
            }
            return acc;
        }
    }

    /** True when Spark's treeAggregate would add at least one executor-side level for this shape. */
    static boolean addsLevels(int partitions, int depth) {
        if (depth < 1) {
            throw new IllegalArgumentException("aggregation depth must be >= 1, got " + depth);
        }
        int scale = Math.max((int) Math.ceil(Math.pow(partitions, 1.0 / depth)), 2);
        return partitions > scale + Math.ceil((double) partitions / scale);
    }

    /** Sums the leaves of every partition of {@code blocks}; null when the RDD has no partitions. */
    static GradientSum run(JavaRDD<Block> blocks, PartitionFunction fn, int depth) {
        int partitions = blocks.getNumPartitions();
        if (partitions == 0) {
            return null;
        }
        if (addsLevels(partitions, depth)) {
            return blocks.treeAggregate(null, (GradientSum acc, Block b) -> GradientSum.merge(acc, fn.leaf(b)),
                GradientSum::merge, depth);
        }
        Merger merger = new Merger();
        ClassTag<GradientSum> tag = ClassTag$.MODULE$.apply(GradientSum.class);
        blocks.context().runJob(blocks.rdd(), fn,
            scala.collection.immutable.Range$.MODULE$.apply(0, partitions), merger, tag);
        return merger.sum;
    }

    /** Driver side: merges partials as tasks finish (the job's result handler runs on one thread). */
    private static final class Merger extends AbstractFunction2<Object, GradientSum, BoxedUnit> {
        private GradientSum sum;

        @Override
        public BoxedUnit apply(Object partition, GradientSum partial) {
            sum = GradientSum.merge(sum, partial);
            return BoxedUnit.UNIT;
        }
    }
}
