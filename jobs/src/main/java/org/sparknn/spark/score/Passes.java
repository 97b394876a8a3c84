package org.sparknn.spark.score;

import java.util.function.IntConsumer;
import org.sparknn.nn.layer.Activation;
import org.sparknn.nn.model.Network;
import org.sparknn.spark.input.ImageCursor;
import org.sparknn.spark.input.InputTransform;
import org.sparknn.spark.task.Worker;

/**
 * The scorer's forward passes on an executor: up to {@link Worker#PASS_ROWS} rows of a cursor into
 * the network's input (one GEMM per layer and pass), then every row's raw output and
 * probabilities. Networks that do not end in a softmax get one here, the only place scoring takes
 * a softmax.
 */
final class Passes {
    private final Network net;
    private final Network.Workspace ws;
    private final float[] params;
    private final InputTransform transform;
    private final boolean identity;
    private final int channels;
    private final int length;
    private final int classes;
    private final boolean softmaxed;
    /** One row's features, for a transform that works in place. */
    private final float[] row;
    /** The pass's probabilities, for networks whose output is not a softmax. */
    private final float[] softmax;
    private float[] probabilities;

    Passes(String specJson, float[] params, InputTransform transform, int channels) {
        this.net = Worker.network(specJson);
        this.ws = Worker.workspace(specJson, Worker.PASS_ROWS);
        this.params = params;
        this.transform = transform;
        this.identity = transform.isIdentity();
        this.channels = channels;
        this.length = net.inputSize();
        this.classes = net.outputSize();
        this.softmaxed = net.endsWithSoftmax();
        this.row = new float[length];
        this.softmax = softmaxed ? null : new float[Worker.PASS_ROWS * classes];
    }

    /**
     * Reads up to {@link Worker#PASS_ROWS} rows of {@code in}, calling {@code keep} with each row's
     * place in the pass while the cursor is on it, and runs the pass.
     *
     * @return the rows in the pass; 0 when {@code in} has no more
     * @throws IllegalArgumentException naming the row when its feature count is not the network's input size
     */
    int next(ImageCursor in, IntConsumer keep) {
        int b = 0;
        while (b < Worker.PASS_ROWS && in.advance()) {
            int n = in.featureCount();
            if (n != length) {
                throw new IllegalArgumentException(in.where() + " has " + (n < 0 ? "no" : n)
                    + " feature values but the model expects " + length);
            }
            if (identity) {
                in.copyFeatures(ws.input(), b * length);
            } else {
                in.copyFeatures(row, 0);
                transform.applyInPlace(row, channels);
                System.arraycopy(row, 0, ws.input(), b * length, length);
            }
            keep.accept(b++);
        }
        if (b == 0) {
            return 0;
        }
        float[] out = net.forward(params, ws, b);
        if (softmaxed) {
            probabilities = out;
        } else {
            float[] raw = net.rawOutput(ws);
            for (int i = 0; i < b; i++) {
                Activation.softmax(raw, i * classes, softmax, i * classes, classes);
            }
            probabilities = softmax;
        }
        return b;
    }

    int classes() {
        return classes;
    }

    /** The pass's probabilities: row {@code i}'s are at {@code [i * classes, (i + 1) * classes)}. */
    float[] probabilities() {
        return probabilities;
    }

    /** The pass's raw output (before the final softmax), laid out as {@link #probabilities()}. */
    float[] raw() {
        return net.rawOutput(ws);
    }

    /** Row {@code i}'s most probable class (the lowest index among ties). */
    int prediction(int i) {
        return Network.argMax(probabilities, i * classes, classes);
    }
}
