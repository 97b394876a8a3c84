package org.sparknn.spark.score;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.sparknn.nn.layer.Activation;
import org.sparknn.nn.model.Network;
import org.sparknn.spark.task.Worker;

/**
 * Scores a partition's rows in batches: collects up to {@link Worker#PASS_ROWS}
 * rows, runs one forward pass over them, and appends the raw scores, probabilities and prediction
 * (each optional) to every row.
 */
public final class BatchScorer implements Iterator<Row> {
    /** A column the scorer appends. */
    /** The columns a caller wants. */
    public enum Output { RAW, PROBABILITY, PREDICTION }

    private final Iterator<Row> input;
    private final Network net;
    private final Network.Workspace ws;
    private final float[] params;
    private final int featuresIndex;
    private final int length;
    private final int classes;
    /** What each appended column holds, in output-schema order. */
    private final Output[] outputs;
    private final List<Row> pending = new ArrayList<>(Worker.PASS_ROWS);
    private final List<Row> ready = new ArrayList<>(Worker.PASS_ROWS);
    private final float[] logits;
    private final float[] softmax;
    private int next;

    public BatchScorer(Iterator<Row> input, String specJson, float[] params, int featuresIndex, int length, int classes,
                Output[] outputs) {
        this.input = input;
        this.net = Worker.network(specJson);
        this.ws = Worker.workspace(specJson, Worker.PASS_ROWS);
        this.params = params;
        this.featuresIndex = featuresIndex;
        this.length = length;
        this.classes = classes;
        this.outputs = outputs.clone();
        this.logits = new float[classes];
        this.softmax = new float[classes];
    }

    @Override
    public boolean hasNext() {
        if (next < ready.size()) {
            return true;
        }
        ready.clear();
        pending.clear();
        next = 0;
        while (input.hasNext() && pending.size() < Worker.PASS_ROWS) {
            pending.add(input.next());
        }
        if (pending.isEmpty()) {
            return false;
        }
        int b = pending.size();
        for (int i = 0; i < b; i++) {
            copyFeatures((Vector) pending.get(i).get(featuresIndex), ws.input(), i * length, length);
        }
        float[] out = net.forward(params, ws, b);
        float[] rawOut = net.rawOutput(ws);
        boolean probabilities = net.endsWithSoftmax();
        for (int i = 0; i < b; i++) {
            Row r = pending.get(i);
            Object[] values = new Object[r.size() + outputs.length];
            for (int k = 0; k < r.size(); k++) {
                values[k] = r.get(k);
            }
            int k = r.size();
            System.arraycopy(rawOut, i * classes, logits, 0, classes);
            if (probabilities) {
                System.arraycopy(out, i * classes, softmax, 0, classes);
            } else {
                Activation.softmax(logits, 0, softmax, 0, classes);
            }
            for (Output o : outputs) {
                values[k++] = switch (o) {
                    case RAW -> Vectors.dense(toDoubles(logits));
                    case PROBABILITY -> Vectors.dense(toDoubles(softmax));
                    case PREDICTION -> (double) Network.argMax(softmax, 0, classes);
                };
            }
            ready.add(RowFactory.create(values));
        }
        return true;
    }

    /** Copies one row's features into a pass's input, checking their count. */
    public static void copyFeatures(Vector features, float[] dst, int off, int length) {
        if (features.size() != length) {
            throw new IllegalArgumentException("features have " + features.size() + " values, the network expects " + length);
        }
        for (int i = 0; i < length; i++) {
            dst[off + i] = (float) features.apply(i);
        }
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    @Override
    public Row next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return ready.get(next++);
    }
}
