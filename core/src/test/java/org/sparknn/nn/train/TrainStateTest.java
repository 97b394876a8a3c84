package org.sparknn.nn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sparknn.nn.layer.Shape;
import org.sparknn.nn.model.Network;
import org.sparknn.nn.optim.Adam;
import org.sparknn.nn.optim.Optimizer;
import org.sparknn.nn.optim.Regularization;
import org.sparknn.nn.optim.Sgd;
import org.sparknn.nn.spec.NetworkSpec;

/**
 * A gang of copies of a state that each update their own share of the parameters must give,
 * together, the bits of one copy that updates all of them.
 */
class TrainStateTest {
    private static final Network NET = Network.build(NetworkSpec.preset("mlp2", new Shape(1, 6, 5), 4));

    @Test
    void sharesOfAStepGiveTheBitsOfTheWholeStep() {
        for (Optimizer o : List.of(Adam.defaults(), new Adam(0.8, 0.99, 1e-6, 0.05), new Sgd(0, false),
            new Sgd(0.9, false), new Sgd(0.9, true))) {
            for (Regularization r : List.of(Regularization.NONE, new Regularization(1e-3, 1e-2))) {
                for (int workers : new int[] {1, 2, 3, 7}) {
                    check(o, r, workers, 0);
                }
                // frozen leading parameters (fine-tuning): shares that straddle them or lie within them
                check(o, r, 3, NET.paramCount() / 2);
            }
        }
    }

    private static void check(Optimizer o, Regularization r, int workers, int frozen) {
        int n = NET.paramCount();
        TrainState whole = TrainState.initial(NET, o, r, 5).freeze(frozen);
        float[] start = whole.params().clone();
        TrainState[] gang = new TrainState[workers];
        for (int w = 0; w < workers; w++) {
            gang[w] = new TrainState(NET, o, r, whole.params().clone(), whole.optimizerState().clone(), 0).freeze(frozen);
        }
        SplittableRandom rng = new SplittableRandom(9);
        for (int step = 0; step < 4; step++) {
            float[] grad = new float[n];
            for (int i = 0; i < n; i++) {
                grad[i] = (float) (rng.nextDouble() * 6 - 3);
            }
            long count = 17 + step;
            double expectedPenalty = whole.penalty();
            double penalty = whole.applyGradientSum(grad.clone(), count, 0.01);
            assertEquals(expectedPenalty, penalty, 0.0, "penalty() is what the step returns");
            for (int w = 0; w < workers; w++) {
                int from = (int) ((long) n * w / workers);
                int to = (int) ((long) n * (w + 1) / workers);
                float[] share = java.util.Arrays.copyOfRange(grad, from, to);
                gang[w].applyGradientShare(share, count, 0.01, from, to);
            }
            // every worker then takes the others' shares of the parameters, as the all-gather does
            float[] params = new float[n];
            float[] state = new float[whole.optimizerState().length];
            for (int w = 0; w < workers; w++) {
                int from = (int) ((long) n * w / workers);
                int to = (int) ((long) n * (w + 1) / workers);
                System.arraycopy(gang[w].params(), from, params, from, to - from);
                for (int plane = 0; plane < o.statePlanes(); plane++) {
                    System.arraycopy(gang[w].optimizerState(), plane * n + from, state, plane * n + from, to - from);
                }
            }
            String what = o.describe() + ", " + r + ", " + workers + " workers, step " + (step + 1) + ", " + frozen
                + " frozen";
            assertArrayEquals(whole.params(), params, what);
            assertArrayEquals(java.util.Arrays.copyOf(start, frozen), java.util.Arrays.copyOf(params, frozen), what);
            assertArrayEquals(whole.optimizerState(), state, what);
            for (TrainState g : gang) {
                assertEquals(whole.step(), g.step(), what);
                g.restore(params, g.optimizerState(), g.step());
            }
        }
    }

    @Test
    void aShareMustLieInsideTheParameters() {
        TrainState s = TrainState.initial(NET, Adam.defaults(), Regularization.NONE, 1);
        int n = NET.paramCount();
        assertThrows(IllegalArgumentException.class, () -> s.applyGradientShare(new float[4], 1, 0.1, n - 2, n + 2));
        assertThrows(IllegalArgumentException.class, () -> s.applyGradientShare(new float[1], 1, 0.1, 0, 2));
        assertThrows(IllegalArgumentException.class, () -> s.applyGradientShare(new float[2], -1, 0.1, 0, 2));
        assertThrows(IllegalArgumentException.class, () -> s.applyGradientShare(new float[2], Double.NaN, 0.1, 0, 2));
    }

    @Test
    void examplesThatAllWeighZeroGiveAZeroGradient() {
        TrainState zero = TrainState.initial(NET, new Sgd(0, false), Regularization.NONE, 1);
        float[] before = zero.params().clone();
        zero.applyGradientSum(new float[NET.paramCount()], 0, 0.1);
        // dividing by the zero weight would make every parameter NaN
        assertArrayEquals(before, zero.params(), "plain SGD does not move on a zero gradient");
        assertEquals(1, zero.step());
    }
}
