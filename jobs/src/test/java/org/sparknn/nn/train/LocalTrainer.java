package org.sparknn.nn.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.sparknn.nn.loss.Loss;
import org.sparknn.nn.model.Network;
import org.sparknn.nn.random.Seeds;

/**
 * Single-machine mini-batch training over float arrays, for tests, tiny datasets and as the
 * reference the distributed trainer is checked against. Each epoch visits every example once in
 * the order of a permutation seeded by (seed, epoch).
 */
public final class LocalTrainer {
    /**
     * @param epochs       passes over the data
     * @param batchSize    examples per step
     * @param learningRate the optimizer's learning rate
     * @param seed         run seed: shuffling and dropout
     * @param loss         the loss
     */
    public record Config(int epochs, int batchSize, double learningRate, long seed, Loss loss) {
        public Config {
            if (epochs <= 0 || batchSize <= 0 || !(learningRate > 0)) {
                throw new IllegalArgumentException("epochs, batch size and learning rate must be positive, got "
                    + epochs + ", " + batchSize + ", " + learningRate);
            }
        }
    }

    /** One epoch's mean training loss (data loss plus regularization penalty), accuracy and time. */
    public record EpochResult(int epoch, double loss, double accuracy, double seconds) {
    }

    private final Network net;
    private final Config config;

    public LocalTrainer(Network net, Config config) {
        this.net = net;
        this.config = config;
    }

    /**
     * Trains {@code state} on the {@code n} examples of {@code x} (row-major, n x inputSize) with
     * labels {@code y}.
     */
    public List<EpochResult> fit(TrainState state, float[] x, int[] y, int n, Consumer<EpochResult> listener) {
        return fit(state, x, y, n, 0, listener);
    }

    /**
     * Continues training from epoch {@code firstEpoch} (0-based) up to the configured epoch
     * count, e.g. after restoring {@code state} from a checkpoint taken at the end of epoch
     * {@code firstEpoch - 1}: the result equals that of an uninterrupted run.
     */
    public List<EpochResult> fit(TrainState state, float[] x, int[] y, int n, int firstEpoch,
                                 Consumer<EpochResult> listener) {
        int in = net.inputSize();
        if (x.length < (long) n * in || y.length < n) {
            throw new IllegalArgumentException("expected " + n + " examples of " + in + " values, got "
                + x.length + " values and " + y.length + " labels");
        }
        int batchSize = config.batchSize();
        Network.Workspace ws = net.workspace(batchSize);
        float[] grad = new float[net.paramCount()];
        int[] labels = new int[batchSize];
        List<EpochResult> history = new ArrayList<>();
        for (int epoch = firstEpoch; epoch < config.epochs(); epoch++) {
            long start = System.nanoTime();
            int[] order = Seeds.permutation(n, Seeds.mix(config.seed(), epoch));
            double lossSum = 0;
            double penaltySum = 0;
            long correct = 0;
            int steps = 0;
            for (int from = 0; from < n; from += batchSize, steps++) {
                int batch = Math.min(batchSize, n - from);
                float[] input = ws.input();
                for (int b = 0; b < batch; b++) {
                    int row = order[from + b];
                    System.arraycopy(x, row * in, input, b * in, in);
                    labels[b] = y[row];
                }
                Arrays.fill(grad, 0f);
                lossSum += net.forwardBackward(state.params(), grad, ws, labels, 0, batch, config.loss(),
                    Seeds.mix(config.seed(), epoch, steps));
                correct += ws.correct();
                penaltySum += state.applyGradientSum(grad, batch, config.learningRate());
            }
            EpochResult r = new EpochResult(epoch + 1, lossSum / n + penaltySum / steps, (double) correct / n,
                (System.nanoTime() - start) / 1e9);
            history.add(r);
            if (listener != null) {
                listener.accept(r);
            }
        }
        return history;
    }

    /** Accuracy of {@code params} on {@code n} examples, in batches of {@code batchSize}. */
    public static double accuracy(Network net, float[] params, float[] x, int[] y, int n, int batchSize) {
        Network.Workspace ws = net.workspace(batchSize);
        int in = net.inputSize();
        int classes = net.outputSize();
        long correct = 0;
        for (int from = 0; from < n; from += batchSize) {
            int batch = Math.min(batchSize, n - from);
            System.arraycopy(x, from * in, ws.input(), 0, batch * in);
            float[] out = net.forward(params, ws, batch);
            correct += Network.countCorrect(out, y, from, batch, classes);
        }
        return (double) correct / n;
    }
}
