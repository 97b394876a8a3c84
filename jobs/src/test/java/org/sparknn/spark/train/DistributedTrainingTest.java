package org.sparknn.spark.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparknn.dataprep.IdxArrays;
import org.sparknn.dataset.DatasetMetadata;
import org.sparknn.dataset.DatasetSchema;
import org.sparknn.dataset.FeatureEncoding;
import org.sparknn.io.AppAttempt;
import org.sparknn.io.HadoopFiles;
import org.sparknn.nn.layer.Shape;
import org.sparknn.nn.model.Network;
import org.sparknn.nn.optim.Adam;
import org.sparknn.nn.optim.Regularization;
import org.sparknn.nn.spec.NetworkSpec;
import org.sparknn.nn.spec.Normalization;
import org.sparknn.nn.train.TrainState;
import org.sparknn.spark.TrainingFixtures;
import org.sparknn.spark.input.ImageColumns;
import org.sparknn.testing.TestSpark;

class DistributedTrainingTest {
    private static final ImageColumns COLUMNS = ImageColumns.ml("label", "features", "id");

    static final AppAttempt FIRST = new AppAttempt("application_1_0001", "1");
    static final Shape MNIST = new Shape(1, 28, 28);

    @TempDir
    Path dir;

    private static JavaRDD<Block> blocks(int rows, int partitions) throws IOException {
        return Blocks.of(TrainingFixtures.frame(rows, partitions), COLUMNS, 784, 10)
            .persist(StorageLevel.MEMORY_ONLY());
    }

    @Test
    void aggregatedGradientEqualsTheSingleMachineGradient() throws IOException {
        Network net = Network.build(NetworkSpec.preset("cnn3", MNIST, 10));
        float[] params = net.initialParams(7);
        int rows = 600;
        int batch = 100;
        int steps = rows / batch;
        // up to 4 partitions every depth is one stage merged on the driver; 6 partitions at depth 2
        // and 3 go through Spark's treeAggregate with an executor-side level
        for (int partitions : new int[] {1, 2, 3, 4, 6}) {
            JavaRDD<Block> blocks = blocks(rows, partitions);
            List<Block> local = blocks.collect();
            float[] direct = null;
            for (int depth = 1; depth <= 3; depth++) {
                DistributedTrainer trainer = new DistributedTrainer(TestSpark.session(), net,
                    TrainingFixtures.config(1, batch, 3, depth));
                int epoch = 1;
                int step = 2;
                GradientSum.Node g = trainer.gradient(blocks, params, epoch, step, steps, new DistributedTrainer.StepTimes());
                // the same rows through the single-machine engine, as one batch
                int total = 0;
                for (Block b : local) {
                    int[] s = b.slice(step, steps);
                    total += s[1] - s[0];
                }
                assertEquals(total, g.count);
                Network.Workspace ws = net.workspace(total);
                int[] labels = new int[total];
                int k = 0;
                for (Block b : local) {
                    int[] order = b.order(3, epoch);
                    int[] s = b.slice(step, steps);
                    for (int i = s[0]; i < s[1]; i++, k++) {
                        System.arraycopy(b.x, order[i] * 784, ws.input(), k * 784, 784);
                        labels[k] = b.y[order[i]];
                    }
                }
                float[] expected = new float[params.length];
                double loss = net.forwardBackward(params, expected, ws, labels, 0, total, TrainingFixtures.loss(), 0);
                double diff = 0;
                double norm = 0;
                for (int i = 0; i < expected.length; i++) {
                    diff += Math.pow(g.grad[i] - expected[i], 2);
                    norm += Math.pow(expected[i], 2);
                }
                double rel = Math.sqrt(diff / norm);
                assertTrue(rel <= 1e-5, partitions + " partitions, depth " + depth + ": relative error " + rel);
                assertEquals(loss, g.loss, 1e-6 * loss);
                assertEquals(ws.correct(), g.correct);
                // the fixed merge tree: the same bits whether the driver or treeAggregate's levels merge
                if (direct == null) {
                    direct = g.grad;
                } else {
                    assertArrayEquals(direct, g.grad, partitions + " partitions, depth " + depth);
                }
            }
            blocks.unpersist();
        }
    }

    @Test
    void cachedBlocksInLocalModeLoseTheirLineageButNoRows() throws IOException {
        List<Block> expected = Blocks.of(TrainingFixtures.frame(300, 3), COLUMNS, 784, 10).collect();
        JavaRDD<Block> cached = Blocks.cache(Blocks.of(TrainingFixtures.frame(300, 3), COLUMNS, 784, 10));
        List<Block> first = cached.collect();
        assertTrue(cached.rdd().isCheckpointed(), "local mode: the lineage is cut once the blocks are computed");
        assertFalse(cached.rdd().toDebugString().contains("ShuffledRowRDD"), cached.rdd().toDebugString());
        for (List<Block> got : List.of(first, cached.collect())) {
            assertEquals(expected.size(), got.size());
            for (int i = 0; i < got.size(); i++) {
                assertEquals(expected.get(i).partition, got.get(i).partition);
                assertArrayEquals(expected.get(i).x, got.get(i).x);
                assertArrayEquals(expected.get(i).y, got.get(i).y);
            }
        }
        cached.unpersist();
    }

    @Test
    void blocksOfEightBitPixelsTrainExactlyAsBlocksOfTheirFloats() throws IOException {
        // 300 MNIST rows as a uint8 dataset split (standardized, so the table is not a plain scaling), and its floats
        Normalization norm = Normalization.scaleOnly(Normalization.PIXEL_SCALE).withStatistics(new double[] {0.13},
            new double[] {0.31});
        DatasetMetadata meta = new DatasetMetadata(DatasetMetadata.FORMAT, DatasetMetadata.VERSION, "px", 28, 28, 1,
            List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), norm, FeatureEncoding.uint8, null, null);
        IdxArrays mnist = TrainingFixtures.mnist();
        List<Row> rows = new java.util.ArrayList<>();
        for (int i = 0; i < 300; i++) {
            byte[] px = new byte[784];
            for (int k = 0; k < 784; k++) {
                px[k] = (byte) Math.round(mnist.x()[i * 784 + k] * 255);
            }
            rows.add(RowFactory.create(String.format("r%05d", i), mnist.labels()[i], px));
        }
        String path = dir.resolve("pixels").toString();
        TestSpark.session().createDataFrame(rows, DatasetSchema.schema(meta)).repartition(3).write().parquet(path);
        Dataset<Row> pixels = TestSpark.session().read().parquet(path);
        JavaRDD<Block> fromPixels = Blocks.ofDataset(pixels, 784, 10).persist(StorageLevel.MEMORY_ONLY());
        JavaRDD<Block> fromFloats = Blocks.ofDataset(DatasetSchema.normalizedFeatures(pixels), 784, 10)
            .persist(StorageLevel.MEMORY_ONLY());
        List<Block> p = fromPixels.collect();
        List<Block> f = fromFloats.collect();
        assertEquals(f.size(), p.size());
        assertEquals(300, p.stream().mapToInt(Block::size).sum());
        for (int i = 0; i < p.size(); i++) {
            assertTrue(p.get(i).x == null && p.get(i).pixels.length == p.get(i).n * 784, "a block of pixels");
            assertTrue(f.get(i).pixels == null, "a block of floats");
            assertArrayEquals(f.get(i).y, p.get(i).y);
            float[] decoded = new float[p.get(i).n * 784];
            p.get(i).copyRows(0, p.get(i).n, decoded, 0);
            assertArrayEquals(f.get(i).x, decoded, "partition " + i);
            float[] row = new float[784];
            p.get(i).copyRow(5, row, 0);
            assertArrayEquals(Arrays.copyOfRange(f.get(i).x, 5 * 784, 6 * 784), row);
        }
        Network net = Network.build(NetworkSpec.preset("mlp", MNIST, 10));
        float[] params = net.initialParams(3);
        DistributedTrainer trainer = new DistributedTrainer(TestSpark.session(), net, TrainingFixtures.config(1, 50, 5, 2));
        assertArrayEquals(trainer.gradient(fromFloats, params, 0, 1, 6, new DistributedTrainer.StepTimes()).grad,
            trainer.gradient(fromPixels, params, 0, 1, 6, new DistributedTrainer.StepTimes()).grad);
        assertEquals(trainer.evaluate(fromFloats, params), trainer.evaluate(fromPixels, params));
        fromPixels.unpersist();
        fromFloats.unpersist();
    }

    @Test
    void treeLevelsOnlyWhereSparkWouldAddThem() {
        for (int p = 1; p <= 4; p++) {
            assertFalse(BlockAggregation.addsLevels(p, 1));
            assertFalse(BlockAggregation.addsLevels(p, 2), p + " partitions");
        }
        assertFalse(BlockAggregation.addsLevels(100, 1));
        assertTrue(BlockAggregation.addsLevels(6, 2));
        assertTrue(BlockAggregation.addsLevels(6, 3));
        assertTrue(BlockAggregation.addsLevels(64, 2));
        assertThrows(IllegalArgumentException.class, () -> BlockAggregation.addsLevels(4, 0));
    }

    private static float[] train(int partitions, long seed, int epochs) throws IOException {
        Network net = Network.build(NetworkSpec.preset("cnn", MNIST, 10));
        TrainConfig config = TrainingFixtures.config(epochs, 64, seed, 2);
        TrainState state = TrainState.initial(net, config.optimizer(), config.regularization(), seed);
        JavaRDD<Block> blocks = blocks(500, partitions);
        new DistributedTrainer(TestSpark.session(), net, config).fit(blocks, null, state, RunState.start(), null, null,
            new DistributedTrainer.Listener() { });
        blocks.unpersist();
        return state.params();
    }

    @Test
    void sameSeedSameWeightsOtherSeedOtherWeights() throws IOException {
        float[] a = train(3, 11, 1);
        float[] b = train(3, 11, 1);
        float[] c = train(3, 12, 1);
        assertArrayEquals(a, b, "same seed, data and partitions: bit-identical weights");
        assertFalse(Arrays.equals(a, c), "another seed gives other weights");
    }

    @Test
    void aRunKilledAfterItsFirstCheckpointResumesToTheSameWeights() throws IOException {
        Network net = Network.build(NetworkSpec.preset("mlp", MNIST, 10));
        TrainConfig config = new TrainConfig(2, 50, 5, Adam.defaults(),
            new org.sparknn.nn.optim.LearningRate(0.002, org.sparknn.nn.optim.LearningRate.Schedule.cosine, 1, 1, 0.0001, 0.5),
            new Regularization(0, 1e-4), "cross_entropy", 2,
            new TrainConfig.EarlyStopping("val_loss", 5, 0, true), 0,
            new org.sparknn.nn.train.Augmentation(2, 10, new float[] {0f}), StepMode.job);
        JavaRDD<Block> train = blocks(400, 3);
        JavaRDD<Block> validation = Blocks.of(TrainingFixtures.frame(500, 2).filter("id >= 'r00400'"), COLUMNS, 784, 10).persist(StorageLevel.MEMORY_ONLY());
        HadoopFiles files = new HadoopFiles(TestSpark.session().sparkContext().hadoopConfiguration());

        TrainState straight = TrainState.initial(net, config.optimizer(), config.regularization(), 5);
        DistributedTrainer.Result full = new DistributedTrainer(TestSpark.session(), net, config).fit(train, validation,
            straight, RunState.start(), null, null, new DistributedTrainer.Listener() { });

        String ckpt = dir.resolve("ckpt").toString();
        Checkpoints checkpoints = new Checkpoints(files, ckpt, 3, 2, "run-a", "data-a", FIRST);
        TrainState killed = TrainState.initial(net, config.optimizer(), config.regularization(), 5);
        class Killed extends RuntimeException {
        }
        assertThrows(Killed.class, () -> new DistributedTrainer(TestSpark.session(), net, config).fit(train, validation,
            killed, RunState.start(), null, checkpoints, new DistributedTrainer.Listener() {
                @Override
                public void checkpoint(String path) {
                    throw new Killed();
                }
            }));
        Checkpoints.Loaded l = checkpoints.latest(net.paramCount(), config.optimizer().stateSize(net.paramCount())).orElseThrow();
        assertEquals(3, l.optimizerSteps(), "the first checkpoint is after step 3");
        TrainState resumed = new TrainState(net, config.optimizer(), config.regularization(), l.params(), l.optimizerState(),
            l.optimizerSteps());
        DistributedTrainer.Result after = new DistributedTrainer(TestSpark.session(), net, config).fit(train, validation,
            resumed, l.run(), l.best(), checkpoints, new DistributedTrainer.Listener() { });
        assertArrayEquals(straight.params(), resumed.params());
        assertArrayEquals(straight.optimizerState(), resumed.optimizerState());
        assertEquals(full.run().history(), after.run().history().stream().map(m -> new EpochMetrics(m.epoch(), m.loss(),
            m.accuracy(), m.valLoss(), m.valAccuracy(), m.learningRate(), full.run().history().get(m.epoch() - 1).seconds(),
            full.run().history().get(m.epoch() - 1).imagesPerSecond())).toList(), "same metrics apart from wall times");

        IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
            () -> new Checkpoints(files, ckpt, 3, 2, "run-b", "data-a", FIRST).latest(net.paramCount(), 2 * net.paramCount()));
        assertTrue(other.getMessage().contains("belongs to another run"), other.getMessage());
        IllegalArgumentException otherData = assertThrows(IllegalArgumentException.class,
            () -> new Checkpoints(files, ckpt, 3, 2, "run-a", "data-b", FIRST).latest(net.paramCount(), 2 * net.paramCount()));
        assertTrue(otherData.getMessage().contains("trained on other data"), otherData.getMessage());
        // a retry of the application that wrote them continues them; any other run needs --resume
        assertTrue(new Checkpoints(files, ckpt, 3, 2, "run-a", "data-a", new AppAttempt("application_1_0001", "2"))
            .writtenByEarlierAttempt());
        assertFalse(new Checkpoints(files, ckpt, 3, 2, "run-a", "data-a", FIRST).writtenByEarlierAttempt());
        assertFalse(new Checkpoints(files, ckpt, 3, 2, "run-a", "data-a", new AppAttempt("application_1_0002", "2"))
            .writtenByEarlierAttempt());
        train.unpersist();
        validation.unpersist();
    }
}
