package org.sparknn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparknn.dataprep.IdxArrays;
import org.sparknn.nn.io.FloatArrayFile;
import org.sparknn.nn.layer.Shape;
import org.sparknn.nn.loss.SoftmaxCrossEntropy;
import org.sparknn.nn.model.Network;
import org.sparknn.nn.optim.Adam;
import org.sparknn.nn.optim.Regularization;
import org.sparknn.nn.optim.Sgd;
import org.sparknn.nn.spec.NetworkSpec;
import org.sparknn.nn.train.LocalTrainer;
import org.sparknn.nn.train.TrainState;
import org.sparknn.testing.TestData;

/** The single-machine trainer learns the real-MNIST subset (6,000 training, 1,000 test images). */
class LocalTrainerTest {
    static IdxArrays train;
    static IdxArrays test;

    @BeforeAll
    static void load() throws IOException {
        train = IdxArrays.read(Path.of(TestData.path(TestData.TRAIN_IMAGES)), Path.of(TestData.path(TestData.TRAIN_LABELS)), -1);
        test = IdxArrays.read(Path.of(TestData.path(TestData.TEST_IMAGES)), Path.of(TestData.path(TestData.TEST_LABELS)), -1);
    }

    private static double fitAndTest(String preset, int epochs, TrainState state, Network net, double lr) {
        List<LocalTrainer.EpochResult> h = new LocalTrainer(net, new LocalTrainer.Config(epochs, 64, lr, 1,
            new SoftmaxCrossEntropy())).fit(state, train.x(), train.labels(), train.count(), null);
        assertTrue(h.get(h.size() - 1).loss() < h.get(0).loss(), preset + ": training loss must fall: " + h);
        double accuracy = LocalTrainer.accuracy(net, state.params(), test.x(), test.labels(), test.count(), 250);
        System.out.printf("%s on the MNIST subset: %d epochs, test accuracy %.4f%n", preset, epochs, accuracy);
        return accuracy;
    }

    @Test
    void mlpWithAdamLearnsTheSubset() {
        Network net = Network.build(NetworkSpec.preset("mlp", new Shape(1, 28, 28), 10));
        TrainState state = TrainState.initial(net, Adam.defaults(), Regularization.NONE, 1);
        double accuracy = fitAndTest("mlp", 5, state, net, 0.001);
        // below what this subset reaches (seed 1), with room for BLAS rounding differences
        assertTrue(accuracy >= 0.90, "mlp test accuracy " + accuracy);
    }

    @Test
    void cnn3WithSgdMomentumLearnsTheSubset() {
        Network net = Network.build(NetworkSpec.preset("cnn3", new Shape(1, 28, 28), 10));
        TrainState state = TrainState.initial(net, new Sgd(0.9, true), new Regularization(0, 1e-5), 1);
        double accuracy = fitAndTest("cnn3", 2, state, net, 0.01);
        // below what 2 epochs on this subset reach (seed 1), with room for BLAS rounding differences
        assertTrue(accuracy >= 0.90, "cnn3 test accuracy " + accuracy);
    }

    @Test
    void savedAndRestoredStateContinuesExactly() throws IOException {
        Network net = Network.build(NetworkSpec.preset("mlp2", new Shape(1, 28, 28), 10));
        LocalTrainer trainer = new LocalTrainer(net, new LocalTrainer.Config(2, 100, 0.001, 5, new SoftmaxCrossEntropy()));
        TrainState straight = TrainState.initial(net, Adam.defaults(), new Regularization(1e-6, 1e-5), 5);
        trainer.fit(straight, train.x(), train.labels(), 2000, null);

        TrainState first = TrainState.initial(net, Adam.defaults(), new Regularization(1e-6, 1e-5), 5);
        new LocalTrainer(net, new LocalTrainer.Config(1, 100, 0.001, 5, new SoftmaxCrossEntropy()))
            .fit(first, train.x(), train.labels(), 2000, null);
        java.io.ByteArrayOutputStream params = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream opt = new java.io.ByteArrayOutputStream();
        FloatArrayFile.write(params, FloatArrayFile.WEIGHTS, first.params());
        FloatArrayFile.write(opt, FloatArrayFile.OPTIMIZER, first.optimizerState());
        TrainState restored = new TrainState(net, Adam.defaults(), new Regularization(1e-6, 1e-5),
            FloatArrayFile.read(new java.io.ByteArrayInputStream(params.toByteArray()), "p", FloatArrayFile.WEIGHTS, net.paramCount()),
            FloatArrayFile.read(new java.io.ByteArrayInputStream(opt.toByteArray()), "o", FloatArrayFile.OPTIMIZER, -1),
            first.step());
        trainer.fit(restored, train.x(), train.labels(), 2000, 1, null);
        assertEquals(straight.step(), restored.step());
        assertArrayEquals(straight.params(), restored.params());
        assertArrayEquals(straight.optimizerState(), restored.optimizerState());
    }

    @Test
    void sameSeedSameWeights() {
        Network net = Network.build(NetworkSpec.preset("cnn", new Shape(1, 28, 28), 10));
        float[][] runs = new float[2][];
        for (int r = 0; r < 2; r++) {
            TrainState s = TrainState.initial(net, Adam.defaults(), Regularization.NONE, 3);
            new LocalTrainer(net, new LocalTrainer.Config(1, 128, 0.001, 3, new SoftmaxCrossEntropy()))
                .fit(s, train.x(), train.labels(), 1024, null);
            runs[r] = s.params();
        }
        assertArrayEquals(runs[0], runs[1]);
    }
}
