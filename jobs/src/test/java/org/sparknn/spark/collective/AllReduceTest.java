package org.sparknn.spark.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The all-reduce's pieces: a layer's gradient leaves as soon as it is final, and the sums are those of whole chunks. */
class AllReduceTest {
    // two layers in the order a backward pass finishes them: [6, 10) first, then [0, 6); two owners:
    // partition 0 owns [0, 5), partition 1 owns [5, 10), which holds pieces of both layers
    private static final List<int[]> RANGES = List.of(new int[] {6, 10}, new int[] {0, 6});
    private static final Peer[] PEERS = {new Peer(Exchange.JVM, null, 0), new Peer(Exchange.JVM, null, 0)};

    private static float[] gradient(int partition) {
        float[] g = new float[10];
        for (int i = 0; i < g.length; i++) {
            g[i] = partition * 100 + i + 0.25f;
        }
        return g;
    }

    @Test
    void aFinishedLayerLeavesBeforeTheStepsSumAndTheSumIsWhole() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            AllReduce zero = new AllReduce("pieces", 0, PEERS, RANGES, 10_000_000_000L, () -> false);
            AllReduce one = new AllReduce("pieces", 1, PEERS, RANGES, 10_000_000_000L, () -> false);
            float[] g0 = gradient(0);
            float[] g1 = gradient(1);
            // partition 0's top layer is final: its piece for owner 1 goes now, before any sum
            zero.ready(3, g0, 6, 10, 1.5, 2, 7, 6.5);
            assertEquals(1, ExchangeProbe.waiting(), "the top layer's piece waits at its owner");
            assertEquals(1, zero.messagesSent());
            assertEquals(4, zero.valuesSent());
            Future<AllReduce.Sum> a = pool.submit(() -> zero.sum(3, g0, 1.5, 2, 7, 6.5));
            Future<AllReduce.Sum> b = pool.submit(() -> one.sum(3, g1, 0.5, 1, 5, 2.25));
            float[] expected = new float[10];
            for (int i = 0; i < 10; i++) {
                expected[i] = g0[i] + g1[i];
            }
            for (Future<AllReduce.Sum> f : List.of(a, b)) {
                AllReduce.Sum s = f.get();
                assertArrayEquals(expected, s.grad());
                assertEquals(2.0, s.loss());
                assertEquals(8.75, s.weight(), "the examples' weights travel with the sums");
                assertEquals(3, s.correct());
                assertEquals(12, s.count());
            }
            // partition 0 sent owner 1 two pieces (one early) and its summed chunk: 3 messages;
            // partition 1 sent owner 0 one piece and its summed chunk: 2
            assertEquals(3, zero.messagesSent());
            assertEquals(2, one.messagesSent());
            assertEquals(10, zero.valuesSent());
            assertEquals(10, one.valuesSent());
            zero.close();
            one.close();
            assertEquals(0, ExchangeProbe.waiting(), "no message is left behind");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void onlyTheGradientsOwnRangesAreReady() {
        AllReduce r = new AllReduce("ranges", 0, PEERS, RANGES, 1_000_000L, () -> false);
        assertThrows(IllegalArgumentException.class, () -> r.ready(0, new float[10], 0, 5, 0, 0, 1, 1));
        assertThrows(IllegalArgumentException.class,
            () -> new AllReduce("ranges", 0, PEERS, List.of(new int[] {0, 4}, new int[] {0, 6}), 1L, () -> false));
        r.close();
    }
}
