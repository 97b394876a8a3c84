package org.sparknn.spark.collective;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.BarrierTaskInfo;

/**
 * How the tasks of a barrier stage find each other's exchanges. In local mode every task is in
 * this JVM. Otherwise each task knows every task's executor from its barrier context, and the
 * exchange of each executor comes from what the driver learned in an earlier stage; when an
 * executor is new (or the stage is a retry), the tasks tell each other once with
 * {@code BarrierTaskContext.allGather}, which is slow (it polls), so it is the exception.
 */
public final class Rendezvous {
    /**
     * Every partition's exchange, and the executors' exchanges as learned.
     *
     * @param peers     by partition
     * @param executors each executor's exchange, by the executor address the barrier context gives
     */
    public record Found(Peer[] peers, Map<String, Peer> executors) {
    }

    private Rendezvous() {
    }

    /**
     * @param local  whether every task runs in this JVM (local mode)
     * @param known  the executors' exchanges learned so far
     */
    public static Found peers(BarrierTaskContext ctx, boolean local, Map<String, Peer> known) {
        BarrierTaskInfo[] infos = ctx.getTaskInfos();
        Peer[] peers = new Peer[infos.length];
        if (local) {
            Arrays.fill(peers, new Peer(Exchange.JVM, null, 0));
            return new Found(peers, known);
        }
        Peer me = Exchange.get().serve();
        Map<String, Peer> table = known;
        boolean complete = ctx.stageAttemptNumber() == 0
            && Arrays.stream(infos).allMatch(i -> known.containsKey(i.address()));
        if (!complete) {
            String[] all = ctx.allGather(infos[ctx.partitionId()].address() + " " + me.jvm() + " " + me.host() + " "
                + me.port());
            table = new HashMap<>();
            for (String line : all) {
                String[] f = line.split(" ");
                table.put(f[0], new Peer(f[1], f[2], Integer.parseInt(f[3])));
            }
        }
        for (int p = 0; p < infos.length; p++) {
            peers[p] = table.get(infos[p].address());
        }
        return new Found(peers, Map.copyOf(table));
    }
}
