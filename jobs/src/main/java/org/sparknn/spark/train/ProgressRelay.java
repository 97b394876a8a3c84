package org.sparknn.spark.train;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;
import org.sparknn.spark.collective.Exchange;
import org.sparknn.spark.collective.Peer;

/**
 * Brings the step lines of a barrier segment to the driver while the segment runs: the driver
 * registers a receiver with its exchange, and partition 0 sends a note to it after the steps the
 * configuration logs (in local mode a direct call; on a cluster through the transport, in order).
 */
final class ProgressRelay {
    /** One step's progress: the 0-based epoch and step, and the epoch's sums after it. */
    record Step(int epoch, int step, BarrierSegment.Sums sums) {
        ByteBuffer encode() {
            ByteBuffer b = ByteBuffer.allocate(4 + 4 + 8 + 8 + 8 + 8 + 8).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(epoch).putInt(step).putDouble(sums.loss()).putLong(sums.correct()).putLong(sums.count())
                .putDouble(sums.weight()).putDouble(sums.penalty());
            return b.rewind();
        }

        static Step decode(ByteBuffer b) {
            return new Step(b.getInt(), b.getInt(), new BarrierSegment.Sums(b.getDouble(), b.getLong(), b.getLong(),
                b.getDouble(), b.getDouble()));
        }
    }

    private ProgressRelay() {
    }

    /**
     * Where a segment's progress goes.
     *
     * @param driver the driver's exchange
     * @param id     the receiver's key there
     */
    record Address(Peer driver, String id) implements Serializable {
        void report(Step step) {
            Exchange.get().note(driver, id, step.encode());
        }
    }

    /**
     * Registers a receiver until the returned registration is closed.
     *
     * @param local whether the tasks run in this JVM (local mode); otherwise the driver's exchange is started
     */
    static Registration register(boolean local, Consumer<Step> receiver) {
        Peer driver = local ? new Peer(Exchange.JVM, null, 0) : Exchange.get().serve();
        String id = Exchange.get().listen(b -> receiver.accept(Step.decode(b)));
        return new Registration(new Address(driver, id));
    }

    /** A registered receiver's address; closing it unregisters the receiver. */
    record Registration(Address address) implements AutoCloseable {
        @Override
        public void close() {
            Exchange.get().unlisten(address.id());
        }
    }
}
