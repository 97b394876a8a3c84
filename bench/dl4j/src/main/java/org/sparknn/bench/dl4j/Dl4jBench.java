package org.sparknn.bench.dl4j;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * The Deeplearning4j peer of bench/train-vs-mllib, in one JVM: spark-nn's mlp or cnn preset
 * built in DL4J (float32, Adam with the same cosine schedule), trained on MNIST's IDX files with
 * pixels scaled by 1/255 as the spark-nn dataset is. The thread count is the environment's
 * OMP_NUM_THREADS, which the bench script sets. Timed: only {@code fit} on prepared mini-batches;
 * the shuffling, batching and test evaluation after each epoch are left out of the time.
 *
 * <pre>Dl4jBench RAW_DIR mlp|cnn BATCH LEARNING_RATE WARMUP_EPOCHS MAX_EPOCHS [TARGET_ACCURACY]</pre>
 *
 * Prints one line per epoch and {@code DL4J <model> time_to_target_s S} when the target accuracy is
 * reached, {@code DL4J <model> epoch_s S} (the fastest epoch) and {@code DL4J <model> accuracy A}.
 */
public final class Dl4jBench {
    private Dl4jBench() {
    }

    public static void main(String[] args) throws IOException {
        Path raw = Path.of(args[0]);
        String model = args[1];
        int batch = Integer.parseInt(args[2]);
        double lr = Double.parseDouble(args[3]);
        double warmupEpochs = Double.parseDouble(args[4]);
        int maxEpochs = Integer.parseInt(args[5]);
        double target = args.length > 6 ? Double.parseDouble(args[6]) : 2.0;
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        DataSet train = read(raw.resolve("train-images-idx3-ubyte"), raw.resolve("train-labels-idx1-ubyte"));
        DataSet test = read(raw.resolve("t10k-images-idx3-ubyte"), raw.resolve("t10k-labels-idx1-ubyte"));
        int stepsPerEpoch = (train.numExamples() + batch - 1) / batch;
        MultiLayerNetwork net = new MultiLayerNetwork(configuration(model,
            new CosineWithWarmup(lr, (int) Math.round(warmupEpochs * stepsPerEpoch), (long) maxEpochs * stepsPerEpoch)));
        net.init();
        System.out.printf("DL4J %s: %d parameters, batch %d, Adam lr %.4f cosine over %d epochs, warm-up %.2f epochs, "
                + "OMP_NUM_THREADS=%s%n", model, net.numParams(), batch, lr, maxEpochs, warmupEpochs,
            System.getenv("OMP_NUM_THREADS"));
        double trained = 0;
        double fastest = Double.MAX_VALUE;
        double accuracy = 0;
        Random rng = new Random(42);
        for (int epoch = 1; epoch <= maxEpochs; epoch++) {
            List<DataSet> batches = train.batchBy(batch);
            Collections.shuffle(batches, rng);
            long start = System.nanoTime();
            for (DataSet b : batches) {
                net.fit(b);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            trained += seconds;
            fastest = Math.min(fastest, seconds);
            Evaluation eval = net.evaluate(new org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator<>(
                test.batchBy(1000)));
            accuracy = eval.accuracy();
            System.out.printf("DL4J %s epoch %d: %.2f s, test accuracy %.4f after %.2f s of training%n", model, epoch,
                seconds, accuracy, trained);
            if (accuracy >= target) {
                System.out.printf("DL4J %s time_to_target_s %.2f%n", model, trained);
                break;
            }
            train.shuffle(rng.nextLong());
        }
        System.out.printf("DL4J %s epoch_s %.2f%nDL4J %s accuracy %.4f%n", model, fastest, model, accuracy);
    }

    /** spark-nn's preset of that name, layer for layer. */
    static MultiLayerConfiguration configuration(String model, ISchedule schedule) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
            .seed(42)
            .dataType(DataType.FLOAT)
            .updater(new Adam(schedule))
            .weightInit(WeightInit.XAVIER_UNIFORM)
            .list();
        switch (model) {
            case "mlp" -> list
                .layer(new DenseLayer.Builder().nIn(784).nOut(128).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX)
                    .build())
                .setInputType(InputType.feedForward(784));
            case "cnn" -> list
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(32).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DropoutLayer(0.75)) // DL4J's argument is the probability of keeping a value
                .layer(new DenseLayer.Builder().nOut(128).activation(Activation.RELU).build())
                .layer(new DropoutLayer(0.5))
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX)
                    .build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1));
            default -> throw new IllegalArgumentException("model must be mlp or cnn, got " + model);
        }
        return list.build();
    }

    /** MNIST's IDX image and label files as features scaled by 1/255 and one-hot labels. */
    static DataSet read(Path images, Path labels) throws IOException {
        byte[] pixels;
        int n;
        int size;
        try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(open(images)))) {
            if (in.readInt() != 0x00000803) {
                throw new IOException(images + ": not an IDX file of unsigned bytes in 3 dimensions");
            }
            n = in.readInt();
            size = in.readInt() * in.readInt();
            pixels = in.readNBytes(n * size);
        }
        byte[] classes;
        try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(open(labels)))) {
            if (in.readInt() != 0x00000801 || in.readInt() != n) {
                throw new IOException(labels + ": not an IDX label file for the " + n + " images of " + images);
            }
            classes = in.readNBytes(n);
        }
        float[] x = new float[n * size];
        for (int i = 0; i < x.length; i++) {
            x[i] = (pixels[i] & 0xFF) / 255f;
        }
        float[] y = new float[n * 10];
        for (int i = 0; i < n; i++) {
            y[i * 10 + classes[i]] = 1f;
        }
        return new DataSet(Nd4j.create(x, new long[] {n, size}), Nd4j.create(y, new long[] {n, 10}));
    }

    private static InputStream open(Path p) throws IOException {
        return Files.newInputStream(p);
    }

    /**
     * spark-nn's cosine schedule: a linear warm-up over the first steps, then
     * {@code lr * (1 + cos(pi * t)) / 2} for t from 0 to 1 over the remaining steps.
     */
    record CosineWithWarmup(double lr, int warmupSteps, long totalSteps) implements ISchedule {
        @Override
        public double valueAt(int iteration, int epoch) {
            if (iteration < warmupSteps) {
                return lr * (iteration + 1) / warmupSteps;
            }
            double t = (double) (iteration - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
            return lr * (1 + Math.cos(Math.PI * Math.min(1, t))) / 2;
        }

        @Override
        public ISchedule clone() {
            return new CosineWithWarmup(lr, warmupSteps, totalSteps);
        }
    }
}
