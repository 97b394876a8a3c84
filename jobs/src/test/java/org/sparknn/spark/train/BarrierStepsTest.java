package org.sparknn.spark.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.Test;
import org.sparknn.nn.layer.Shape;
import org.sparknn.nn.model.Network;
import org.sparknn.nn.optim.LearningRate;
import org.sparknn.nn.optim.OptimizerChoice;
import org.sparknn.nn.optim.Regularization;
import org.sparknn.nn.spec.NetworkSpec;
import org.sparknn.nn.spec.SettingException;
import org.sparknn.nn.train.Augmentation;
import org.sparknn.nn.train.TrainState;
import org.sparknn.spark.TrainingFixtures;
import org.sparknn.spark.collective.AllReduce;
import org.sparknn.spark.collective.BarrierSettings;
import org.sparknn.spark.collective.Exchange;
import org.sparknn.spark.collective.ExchangeProbe;
import org.sparknn.spark.collective.ExchangeTimeoutException;
import org.sparknn.spark.collective.Peer;
import org.sparknn.spark.input.ImageColumns;
import org.sparknn.testing.TestSpark;

/** Barrier mode: gang-scheduled steps that exchange gradients give job mode's bits. */
class BarrierStepsTest {
    private static final Shape MNIST = new Shape(1, 28, 28);

    private static JavaRDD<Block> blocks(int rows, int partitions) throws IOException {
        return Blocks.of(TrainingFixtures.frame(rows, partitions), ImageColumns.ml("label", "features", "id"), 784, 10)
            .persist(StorageLevel.MEMORY_ONLY());
    }

    /** Adam with a cosine schedule, L2, augmentation and (in the cnn) dropout: every source of difference. */
    private static TrainConfig config(int epochs, int batch, StepMode mode) {
        return new TrainConfig(epochs, batch, 11, OptimizerChoice.named("adam").build(),
            new LearningRate(0.002, LearningRate.Schedule.cosine, 1, 1, 0.0001, 0.2), new Regularization(0, 1e-4),
            "cross_entropy", 2, null, 25, new Augmentation(1, 5, new float[] {0f}), mode);
    }

    private static DistributedTrainer.Result fit(Network net, JavaRDD<Block> blocks, TrainConfig config,
                                                 List<String> steps) throws IOException {
        TrainState state = TrainState.initial(net, config.optimizer(), config.regularization(), config.seed());
        return new DistributedTrainer(TestSpark.session(), net, config).fit(blocks, null, state, RunState.start(), null,
            null, new DistributedTrainer.Listener() {
                @Override
                public void step(int epoch, int step, int total, double loss, double accuracy, double ips, double eta) {
                    steps.add(epoch + "/" + step + " loss " + loss + " accuracy " + accuracy);
                }
            });
    }

    @Test
    void barrierStepsGiveTheJobModesBits() throws IOException {
        // mlp: 2 epochs of 150 steps; cnn3 (with dropout): 1 epoch of 100 steps
        for (String preset : new String[] {"mlp", "cnn3"}) {
            boolean mlp = preset.equals("mlp");
            Network net = Network.build(NetworkSpec.preset(preset, MNIST, 10));
            for (int partitions = 1; partitions <= 4; partitions++) {
                JavaRDD<Block> data = blocks(mlp ? 1200 : 800, partitions);
                List<String> jobSteps = new ArrayList<>();
                List<String> barrierSteps = new ArrayList<>();
                TrainConfig job = config(mlp ? 2 : 1, 8, StepMode.job);
                DistributedTrainer.Result a = fit(net, data, job, jobSteps);
                DistributedTrainer.Result b = fit(net, data, job.withStepMode(StepMode.barrier), barrierSteps);
                String where = preset + " on " + partitions + " partitions";
                assertEquals(mlp ? 300 : 100, b.state().step(), where);
                assertArrayEquals(a.state().params(), b.state().params(), where + ": the weights");
                assertArrayEquals(a.state().optimizerState(), b.state().optimizerState(), where + ": Adam's moments");
                assertEquals(a.run().history().size(), b.run().history().size());
                for (int e = 0; e < a.run().history().size(); e++) {
                    EpochMetrics x = a.run().history().get(e);
                    EpochMetrics y = b.run().history().get(e);
                    assertEquals(x.loss(), y.loss(), 0.0, where + ": the epoch's loss");
                    assertEquals(x.accuracy(), y.accuracy(), 0.0, where);
                    assertEquals(x.learningRate(), y.learningRate(), 0.0, where);
                }
                assertEquals(jobSteps, barrierSteps, where + ": the progress lines, in order, while the segment ran");
                if (partitions == 3) {
                    // the optimizer replicated on every task instead of sharded over them: the same bits
                    TestSpark.session().conf().set(BarrierSettings.OPTIMIZER_KEY, "replicated");
                    try {
                        DistributedTrainer.Result c = fit(net, data, job.withStepMode(StepMode.barrier), new ArrayList<>());
                        assertArrayEquals(a.state().params(), c.state().params(), where + ", replicated: the weights");
                        assertArrayEquals(a.state().optimizerState(), c.state().optimizerState(),
                            where + ", replicated: Adam's moments");
                    } finally {
                        TestSpark.session().conf().unset(BarrierSettings.OPTIMIZER_KEY);
                    }
                }
                data.unpersist(false);
            }
        }
        assertEquals(0, ExchangeProbe.waiting(), "no message is left behind");
    }

    @Test
    void aBarrierRunThatCannotBeIsRefusedByTheSettingsName() throws IOException {
        Network net = Network.build(NetworkSpec.preset("mlp", MNIST, 10));
        JavaRDD<Block> data = blocks(100, 5); // more partitions than the session's 4 task slots
        SettingException e = assertThrows(SettingException.class,
            () -> fit(net, data, config(1, 10, StepMode.barrier), new ArrayList<>()));
        assertEquals("stepMode barrier cannot run here: the 5 partitions need 5 task slots at once and there are 4",
            e.getMessage());
        // auto takes job mode instead, with the same result as asking for it
        List<String> ignored = new ArrayList<>();
        assertArrayEquals(fit(net, data, config(1, 10, StepMode.job), ignored).state().params(),
            fit(net, data, config(1, 10, StepMode.auto), ignored).state().params());
        data.unpersist(false);
    }

    @Test
    void aStalledPeerFailsTheWaitNamingIt() throws Exception {
        Peer[] peers = {new Peer(Exchange.JVM, null, 0), new Peer(Exchange.JVM, null, 0), new Peer(Exchange.JVM, null, 0)};
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            // partitions 0 and 2 reach step 7; partition 1 never does
            List<Future<AllReduce.Sum>> waits = new ArrayList<>();
            for (int p : new int[] {0, 2}) {
                waits.add(pool.submit(() -> {
                    AllReduce r = new AllReduce("stalled", p, peers, 6, 300_000_000L, () -> false);
                    try {
                        return r.sum(7, new float[6], 0, 0, 1, 1);
                    } finally {
                        r.close();
                    }
                }));
            }
            for (Future<AllReduce.Sum> w : waits) {
                Throwable t = assertThrows(java.util.concurrent.ExecutionException.class, w::get).getCause();
                assertTrue(t instanceof ExchangeTimeoutException, String.valueOf(t));
                assertTrue(t.getMessage().matches("partition [02] waited 0.3 s for partition 1 \\(this JVM\\) to send its"
                    + " chunk of the gradient of step 7; the wait is set by spark.sparknn.exchange.timeout"), t.getMessage());
            }
        } finally {
            pool.shutdownNow();
            new AllReduce("stalled", 1, peers, 6, 1, () -> false).close(); // the stalled task's end drops what was sent to it
        }
        assertEquals(0, ExchangeProbe.waiting(), "no message is left behind");
    }
}
