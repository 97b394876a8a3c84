package org.sparknn.spark.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GradientSumTest {
    private static float[] random(SplittableRandom rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            // wide magnitudes make float addition visibly non-associative
            a[i] = (float) ((rng.nextDouble() - 0.5) * Math.pow(10, rng.nextInt(8) - 4));
        }
        return a;
    }

    /** Merges the leaves in the given order, grouping them randomly as treeAggregate might. */
    private static GradientSum.Node mergeInOrder(List<float[]> grads, int[] order, SplittableRandom grouping) {
        int p = grads.size();
        List<GradientSum> pending = new ArrayList<>();
        for (int i : order) {
            pending.add(GradientSum.leaf(p, i, grads.get(i).clone(), i, i, 1, 1));
        }
        while (pending.size() > 1) {
            int a = grouping.nextInt(pending.size());
            GradientSum x = pending.remove(a);
            int b = grouping.nextInt(pending.size());
            GradientSum y = pending.remove(b);
            pending.add(GradientSum.merge(x, y));
        }
        return pending.get(0).total();
    }

    @Test
    void everyMergeOrderGivesTheSameBits() {
        SplittableRandom rng = new SplittableRandom(1);
        for (int p : new int[] {1, 2, 3, 5, 8, 13}) {
            List<float[]> grads = new ArrayList<>();
            for (int i = 0; i < p; i++) {
                grads.add(random(rng, 257));
            }
            GradientSum.Node reference = null;
            for (int trial = 0; trial < 40; trial++) {
                int[] order = org.sparknn.nn.random.Seeds.permutation(p, trial);
                GradientSum.Node total = mergeInOrder(grads, order, new SplittableRandom(trial * 31L));
                assertEquals(p, total.count);
                assertEquals((double) p * (p - 1) / 2, total.loss);
                if (reference == null) {
                    reference = total;
                } else {
                    assertArrayEquals(reference.grad, total.grad, "p=" + p + " trial " + trial);
                }
            }
        }
    }

    @Test
    void naiveSummationWouldDiffer() {
        // the premise of the class: the same numbers added in another grouping give other bits
        float a = 1e8f;
        float b = -1e8f;
        float c = 1f;
        assertEquals(1f, (a + b) + c);
        assertEquals(0f, a + (b + c));
    }

    @Test
    void missingOrDuplicatePartitionsAreErrors() {
        GradientSum s = GradientSum.merge(GradientSum.leaf(3, 0, null, 0, 0, 0, 0), GradientSum.leaf(3, 2, null, 0, 0, 0, 0));
        IllegalStateException missing = assertThrows(IllegalStateException.class, s::total);
        assertEquals("the step's partials do not cover all 3 partitions: [0, 1) [2, 3)", missing.getMessage());
        IllegalStateException twice = assertThrows(IllegalStateException.class,
            () -> GradientSum.merge(s, GradientSum.leaf(3, 2, null, 0, 0, 0, 0)));
        assertEquals("partitions [2, 3) counted twice in one step", twice.getMessage());
    }
}
