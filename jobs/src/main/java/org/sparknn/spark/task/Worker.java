package org.sparknn.spark.task;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparknn.nn.linalg.Blas;
import org.sparknn.nn.model.Network;
import org.sparknn.nn.spec.NetworkSpec;

/**
 * Per-executor state reused across tasks: one built network per spec (networks are stateless)
 * and one workspace per task thread, so a training step allocates only its gradient array.
 */
public final class Worker {
    /**
     * Rows per pass of the network on an executor, in training, evaluation and scoring alike: one
     * GEMM per layer over this many rows, large enough to keep the BLAS kernels busy, small enough
     * for the workspace to stay in cache.
     */
    public static final int PASS_ROWS = 256;
    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
    private static final Map<String, Network> NETWORKS = new ConcurrentHashMap<>();
    private static final ThreadLocal<Map<String, Network.Workspace>> WORKSPACES = ThreadLocal.withInitial(HashMap::new);
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<int[]> LABELS = ThreadLocal.withInitial(() -> new int[0]);
    private static final ThreadLocal<float[]> WEIGHTS = ThreadLocal.withInitial(() -> new float[0]);

    private Worker() {
    }

    public static Network network(String specJson) {
        return NETWORKS.computeIfAbsent(specJson, json -> {
            if (NETWORKS.isEmpty()) {
                LOG.info("executor engine BLAS: {}", Blas.get().describe());
            }
            return Network.build(NetworkSpec.fromJson(json, "network spec"), Blas.get());
        });
    }

    public static Network.Workspace workspace(String specJson, int capacity) {
        Map<String, Network.Workspace> mine = WORKSPACES.get();
        Network.Workspace ws = mine.get(specJson);
        if (ws == null || ws.maxBatch() < capacity) {
            ws = network(specJson).workspace(capacity);
            mine.put(specJson, ws);
        }
        return ws;
    }

    public static float[] scratch(int size) {
        float[] s = SCRATCH.get();
        if (s.length < size) {
            s = new float[size];
            SCRATCH.set(s);
        }
        return s;
    }

    public static int[] labels(int capacity) {
        int[] l = LABELS.get();
        if (l.length < capacity) {
            l = new int[capacity];
            LABELS.set(l);
        }
        return l;
    }

    public static float[] weights(int capacity) {
        float[] w = WEIGHTS.get();
        if (w.length < capacity) {
            w = new float[capacity];
            WEIGHTS.set(w);
        }
        return w;
    }
}
