package org.sparknn.spark.train;

import java.io.Serializable;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.sparknn.nn.model.Network;
import org.sparknn.nn.train.TrainState;
import org.sparknn.spark.collective.AllReduce;
import org.sparknn.spark.collective.Peer;
import org.sparknn.spark.collective.Rendezvous;
import org.sparknn.spark.task.Worker;
import scala.Function1;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The task of a barrier stage: one per partition, all running at once, each runs the steps
 * {@code [from, to)} of an epoch on its block. Every step it computes its partition's gradient as
 * a job-mode task would and sums it with the others' ({@link AllReduce}, in GradientSum's tree
 * order). Then either each task updates the chunk of the parameters it owns and the all-gather
 * brings them to all (sharded), or every task applies the optimizer to its own whole copy
 * (replicated): every task holds the same parameters after every step, with the bits the driver
 * would have in job mode. Partition 0 reports progress while it runs and returns the state at the
 * end (with the sharded optimizer, after gathering the optimizer state's chunks).
 *
 * @param run          the segment's identity, the same in every task
 * @param start        the state the segment starts from
 * @param spec         the network spec as JSON
 * @param config       the run's configuration
 * @param epoch        0-based epoch
 * @param from         first step of the segment within the epoch
 * @param to           the step after the segment's last
 * @param steps        steps per epoch
 * @param sums         the epoch's sums before the segment
 * @param local        whether every task runs in the driver's JVM (local mode)
 * @param executors    each executor's exchange as learned in earlier segments, by its barrier address
 * @param timeoutNanos the longest wait for one message of a peer
 * @param sharded      whether each task updates only its chunk of the parameters
 * @param progress     where partition 0 reports steps, or null
 */
record BarrierSegment(String run, Broadcast<BarrierSegment.Start> start, String spec, TrainConfig config, int epoch,
                      int from, int to, int steps, Sums sums, boolean local, Map<String, Peer> executors, long timeoutNanos,
                      boolean sharded, ProgressRelay.Address progress)
    implements Function1<Iterator<Block>, Iterator<BarrierSegment.Result>>, Serializable {

    // Start and Result travel with the application's serializer (a broadcast, a task result), which
    // may be Kryo: plain classes, since Kryo's field serializer cannot set a record's fields.

    /** The state a segment starts from: parameters, optimizer state and the optimizer's step count. */
    static final class Start implements Serializable {
        private static final long serialVersionUID = 1L;
        private final float[] params;
        private final float[] optimizerState;
        private final long optimizerStep;

        Start(float[] params, float[] optimizerState, long optimizerStep) {
            this.params = params;
            this.optimizerState = optimizerState;
            this.optimizerStep = optimizerStep;
        }

        float[] params() {
            return params;
        }

        float[] optimizerState() {
            return optimizerState;
        }

        long optimizerStep() {
            return optimizerStep;
        }
    }

    /**
     * An epoch's sums so far: loss, correct predictions, examples, their summed weight and the
     * regularization penalty.
     */
    record Sums(double loss, long correct, long count, double weight, double penalty) implements Serializable {
    }

    /** The state and the epoch's sums at the segment's end, and where partition 0's time went. */
    static final class Result implements Serializable {
        private static final long serialVersionUID = 1L;
        private final Start state;
        private final double loss;
        private final long correct;
        private final long count;
        private final double weight;
        private final double penalty;
        private final long computeNanos;
        private final long exchangeNanos;
        private final long optimizerNanos;
        private final long messagesSent;
        private final long valuesSent;
        /** The executors' exchanges as "address jvm host port" lines. */
        private final String[] executors;

        /**
         * @param computeNanos   forward and backward passes
         * @param exchangeNanos  the all-reduce (including waiting for slower peers)
         * @param optimizerNanos the optimizer updates
         */
        Result(Start state, Sums sums, long computeNanos, long exchangeNanos, long optimizerNanos, long messagesSent,
               long valuesSent, Map<String, Peer> executors) {
            this.messagesSent = messagesSent;
            this.valuesSent = valuesSent;
            this.state = state;
            this.loss = sums.loss();
            this.correct = sums.correct();
            this.count = sums.count();
            this.weight = sums.weight();
            this.penalty = sums.penalty();
            this.computeNanos = computeNanos;
            this.exchangeNanos = exchangeNanos;
            this.optimizerNanos = optimizerNanos;
            this.executors = executors.entrySet().stream().map(e -> e.getKey() + " " + e.getValue().jvm() + " "
                + e.getValue().host() + " " + e.getValue().port()).toArray(String[]::new);
        }

        /** The executors' exchanges the segment's tasks used. */
        Map<String, Peer> executors() {
            Map<String, Peer> m = new java.util.HashMap<>();
            for (String line : executors) {
                String[] f = line.split(" ");
                m.put(f[0], new Peer(f[1], f[2], Integer.parseInt(f[3])));
            }
            return m;
        }

        Start state() {
            return state;
        }

        Sums sums() {
            return new Sums(loss, correct, count, weight, penalty);
        }

        long computeNanos() {
            return computeNanos;
        }

        long exchangeNanos() {
            return exchangeNanos;
        }

        long optimizerNanos() {
            return optimizerNanos;
        }

        /** Messages partition 0 sent in the segment. */
        long messagesSent() {
            return messagesSent;
        }

        /** Gradient values partition 0 sent in the segment. */
        long valuesSent() {
            return valuesSent;
        }
    }

    @Override
    public Iterator<Result> apply(Iterator<Block> blocks) {
        BarrierTaskContext ctx = BarrierTaskContext.get();
        int me = ctx.partitionId();
        Block block = blocks.next();
        if (blocks.hasNext()) {
            throw new IllegalStateException("partition " + me + " holds more than one block");
        }
        Network net = Worker.network(spec);
        Start s = start.value();
        TrainState state = new TrainState(net, config.optimizer(), config.regularization(), s.params().clone(),
            s.optimizerState().clone(), s.optimizerStep()).freeze(config.frozenParams(net));
        Rendezvous.Found found = Rendezvous.peers(ctx, local, executors);
        Peer[] peers = found.peers();
        AllReduce reduce = new AllReduce(run + "/" + ctx.stageAttemptNumber(), me, peers, net.gradientRanges(),
            timeoutNanos, ctx::isInterrupted);
        int capacity = Math.min(config.batchSize(), Worker.PASS_ROWS);
        long totalSteps = (long) steps * config.epochs();
        double loss = sums.loss();
        long correct = sums.correct();
        long count = sums.count();
        double weight = sums.weight();
        double penalty = sums.penalty();
        long computeNanos = 0;
        long optimizerNanos = 0;
        try {
            for (int step = from; step < to; step++) {
                long global = (long) epoch * steps + step;
                double lr = config.learningRate().at(global, steps, totalSteps);
                long t0 = System.nanoTime();
                // each layer's gradient leaves for its owners as soon as the backward pass has it
                GradientSum.Node leaf = DistributedTrainer.partitionGradient(block, state.params(), spec, config.loss(),
                    config.seed(), epoch, step, steps, peers.length, capacity, config.augmentation(),
                    (grad, lo, hi, stepLoss, stepCorrect, stepCount, stepWeight) -> reduce.ready(global, grad, lo, hi,
                        stepLoss, stepCorrect, stepCount, stepWeight)).leafNode();
                long t1 = System.nanoTime();
                computeNanos += t1 - t0;
                AllReduce.Sum sum;
                double stepPenalty;
                if (sharded) {
                    stepPenalty = me == 0 ? state.penalty() : 0; // only partition 0 reports it
                    long[] updateNanos = {0};
                    sum = reduce.sumAndApply(global, leaf.grad, leaf.loss, leaf.correct, leaf.count, leaf.weight,
                        (share, stepWeight, lo, hi) -> {
                            long u = System.nanoTime();
                            state.applyGradientShare(share, stepWeight, lr, lo, hi);
                            updateNanos[0] += System.nanoTime() - u;
                        }, state.params());
                    optimizerNanos += updateNanos[0];
                } else {
                    sum = reduce.sum(global, leaf.grad, leaf.loss, leaf.correct, leaf.count, leaf.weight);
                    long t2 = System.nanoTime();
                    stepPenalty = state.applyGradientSum(sum.grad(), sum.weight(), lr);
                    optimizerNanos += System.nanoTime() - t2;
                }
                loss += sum.loss();
                correct += sum.correct();
                count += sum.count();
                weight += sum.weight();
                penalty += stepPenalty;
                if (me == 0 && progress != null && config.logEverySteps() > 0 && (step + 1) % config.logEverySteps() == 0
                        && step + 1 < steps) {
                    progress.report(new ProgressRelay.Step(epoch, step, new Sums(loss, correct, count, weight, penalty)));
                }
            }
            if (sharded) {
                reduce.gatherState(state.optimizerState(), config.optimizer().statePlanes());
            }
        } finally {
            reduce.close();
        }
        List<Result> out = me != 0 ? Collections.emptyList() : List.of(new Result(
            new Start(state.params(), state.optimizerState(), state.step()), new Sums(loss, correct, count, weight, penalty),
            computeNanos, reduce.exchangeNanos(), optimizerNanos, reduce.messagesSent(), reduce.valuesSent(),
            found.executors()));
        return CollectionConverters.asScala(out.iterator());
    }
}
