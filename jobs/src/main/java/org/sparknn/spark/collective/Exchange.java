package org.sparknn.spark.collective;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.spark.SparkEnv;

/**
 * The mailboxes of one JVM's training tasks: a message is delivered into the slot of its run,
 * receiver, sender and tag, where the receiver takes it, waiting at most the exchange timeout.
 * Messages between tasks of this JVM are delivered here directly; messages from other JVMs come
 * through this JVM's {@link Transport}, started on first use. Besides gradient chunks it carries
 * notes: small messages to a listener registered here (a driver's progress receiver).
 */
public final class Exchange {
    /** This JVM's identity, as {@link Peer#jvm()} names it. */
    public static final String JVM = UUID.randomUUID().toString();

    private static final Exchange INSTANCE = new Exchange();

    /**
     * Where one message goes.
     *
     * @param run  the run and stage attempt: messages of a failed attempt never reach the next one
     * @param to   the receiving task's partition
     * @param from the sending task's partition
     * @param tag  the step and phase
     */
    record Slot(String run, int to, int from, long tag) {
    }

    /** How often a wait checks whether its task was killed. */
    private static final long POLL_NANOS = 50_000_000L;
    private static final byte CHUNK = 1;
    private static final byte NOTE = 2;

    private final ConcurrentHashMap<Slot, CompletableFuture<Chunk>> slots = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Consumer<ByteBuffer>> listeners = new ConcurrentHashMap<>();
    private Transport transport;

    private Exchange() {
    }

    public static Exchange get() {
        return INSTANCE;
    }

    private CompletableFuture<Chunk> slot(Slot s) {
        return slots.computeIfAbsent(s, k -> new CompletableFuture<>());
    }

    /** Puts a message into its slot. */
    void deliver(Slot s, Chunk c) {
        slot(s).complete(c);
    }

    /**
     * This JVM's exchange as other JVMs reach it: its transport server, started with the Spark
     * environment's settings on first call.
     */
    public synchronized Peer serve() {
        if (transport == null) {
            SparkEnv env = SparkEnv.get();
            if (env == null) {
                throw new IllegalStateException("the exchange needs a Spark environment (a driver or an executor)");
            }
            transport = Transport.start(env, this);
        }
        return transport.self();
    }

    private synchronized Transport transport(Peer to) {
        if (transport == null) {
            throw new IllegalStateException("cannot reach " + to + ": this JVM's exchange has not been started");
        }
        return transport;
    }

    /** Sends a message to a task on {@code peer}. */
    void send(Peer peer, Slot s, Chunk c) {
        if (peer.inThisJvm()) {
            deliver(s, c);
            return;
        }
        transport(peer).send(peer, encode(s, c));
    }

    /** A chunk message as the transport carries it. */
    static ByteBuffer encode(Slot s, Chunk c) {
        byte[] run = s.run().getBytes(StandardCharsets.UTF_8);
        int n = c.values() == null ? 0 : c.length();
        ByteBuffer b = ByteBuffer.allocate(1 + 4 + run.length + 4 + 4 + 8 + 8 + 8 + 8 + 8 + 4 + 4 * n)
            .order(ByteOrder.LITTLE_ENDIAN);
        b.put(CHUNK).putInt(run.length).put(run).putInt(s.to()).putInt(s.from()).putLong(s.tag())
            .putDouble(c.loss()).putLong(c.correct()).putLong(c.count()).putDouble(c.weight()).putInt(c.values() == null ? -1 : n);
        if (n > 0) {
            b.asFloatBuffer().put(c.values(), c.offset(), n);
        }
        return b.rewind();
    }

    /** Delivers a message that came through the transport. */
    void received(ByteBuffer message) {
        ByteBuffer b = message.order(ByteOrder.LITTLE_ENDIAN);
        byte kind = b.get();
        byte[] name = new byte[b.getInt()];
        b.get(name);
        String key = new String(name, StandardCharsets.UTF_8);
        if (kind == NOTE) {
            Consumer<ByteBuffer> listener = listeners.get(key);
            if (listener != null) {
                listener.accept(b.slice().order(ByteOrder.LITTLE_ENDIAN));
            }
            return;
        }
        Slot s = new Slot(key, b.getInt(), b.getInt(), b.getLong());
        double loss = b.getDouble();
        long correct = b.getLong();
        long count = b.getLong();
        double weight = b.getDouble();
        int n = b.getInt();
        float[] values = null;
        if (n >= 0) {
            values = new float[n];
            b.asFloatBuffer().get(values);
        }
        deliver(s, new Chunk(values, 0, Math.max(n, 0), loss, correct, count, weight));
    }

    /** Registers a listener for notes; the returned id addresses it until {@link #unlisten}. */
    public String listen(Consumer<ByteBuffer> listener) {
        String id = UUID.randomUUID().toString();
        listeners.put(id, listener);
        return id;
    }

    public void unlisten(String id) {
        listeners.remove(id);
    }

    /** Sends {@code payload} (little-endian) to the listener {@code id} on {@code peer}; dropped when it is gone. */
    public void note(Peer peer, String id, ByteBuffer payload) {
        if (peer.inThisJvm()) {
            Consumer<ByteBuffer> listener = listeners.get(id);
            if (listener != null) {
                listener.accept(payload.order(ByteOrder.LITTLE_ENDIAN));
            }
            return;
        }
        byte[] name = id.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(1 + 4 + name.length + payload.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        b.put(NOTE).putInt(name.length).put(name).put(payload);
        b.rewind();
        transport(peer).send(peer, b);
    }

    /**
     * Takes the message of slot {@code s}, waiting at most {@code timeoutNanos}.
     *
     * @param waitingFor what is awaited, from whom, for the timeout's message
     * @throws ExchangeTimeoutException when it does not come in time
     */
    Chunk take(Slot s, long timeoutNanos, Supplier<String> waitingFor) {
        return take(s, timeoutNanos, waitingFor, () -> false);
    }

    /**
     * As {@link #take(Slot, long, Supplier)}, giving up early when {@code killed} says so (Spark
     * kills the other tasks of a failed barrier stage by flagging them, without an interrupt).
     */
    Chunk take(Slot s, long timeoutNanos, Supplier<String> waitingFor, BooleanSupplier killed) {
        CompletableFuture<Chunk> f = slot(s);
        long deadline = System.nanoTime() + timeoutNanos;
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                try {
                    Chunk c = f.get(Math.min(left, POLL_NANOS), TimeUnit.NANOSECONDS);
                    slots.remove(s);
                    return c;
                } catch (TimeoutException e) {
                    if (System.nanoTime() - deadline >= 0) {
                        slots.remove(s);
                        throw new ExchangeTimeoutException(waitingFor.get());
                    }
                    if (killed.getAsBoolean()) {
                        slots.remove(s);
                        throw new IllegalStateException("the task was killed while waiting for " + waitingFor.get());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + waitingFor.get(), e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * Drops the messages of {@code run} still waiting for partition {@code to} (a finished or
     * failed task's); other tasks of the run in this JVM keep theirs.
     */
    void forget(String run, int to) {
        slots.keySet().removeIf(s -> s.run().equals(run) && s.to() == to);
    }

    /** Messages waiting in this JVM (for tests: a finished run leaves none). */
    int waiting() {
        return slots.size();
    }
}
